package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One watch on a {@link ZooKeeperStore}. Its listener is called from ZooKeeper's event thread and,
 * for a re-read after reconnect or a failure, from the store's admin thread; calls are serialized
 * on this object so that they never overlap.
 */
final class ZkWatch implements StoreWatch {
  /*
   * state, by CAS: OPEN -> CLOSED (close() or failed()); final. close() hands the removal to the
   * store's admin thread, which completes `removed` once the server watch is gone (or was shared
   * and stays for others); failed() completes it at once (the store already dropped the watch).
   */
  private static final int OPEN = 0;
  private static final int CLOSED = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ZkWatch.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String path;
  private final ZooKeeperStore store;
  private final Consumer<String> onChange;
  private final Consumer<Throwable> onFailure;
  private final CompletableFuture<Void> removed = new CompletableFuture<>();
  private volatile int state;

  ZkWatch(ZooKeeperStore store, String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    this.store = store;
    this.path = path;
    this.onChange = onChange;
    this.onFailure = onFailure;
  }

  synchronized void changed(String changedPath) {
    if (state != OPEN) {
      return;
    }
    try {
      onChange.accept(changedPath);
    } catch (Throwable e) {
      Log.userCodeThrew("watch listener on " + path, e);
    }
  }

  synchronized void failed(Throwable cause) {
    if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
      return;
    }
    try {
      onFailure.accept(cause);
    } catch (Throwable e) {
      Log.userCodeThrew("watch failure listener on " + path, e);
    } finally {
      removed.complete(null);
    }
  }

  @Override
  public void close() {
    if (STATE.compareAndSet(this, OPEN, CLOSED)) {
      store.detachLater(this);
    }
  }

  void removedDone() {
    removed.complete(null);
  }

  @Override
  public CompletionStage<Void> removed() {
    return removed.minimalCompletionStage();
  }

  @Override
  public String toString() {
    return "ZkWatch[" + path + (state == OPEN ? "" : ", closed") + "]";
  }
}
