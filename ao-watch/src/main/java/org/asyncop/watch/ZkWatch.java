package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One watch on a {@link ZooKeeperStore}. ZooKeeper's event thread hands it changes, and the store's
 * admin thread the re-read after a reconnect and the failure; its listener calls go through {@link
 * SerialCalls}, so that they never overlap and keep that order, and neither thread ever waits for
 * a call running on the other (a listener may close the store or make a watch, which wait for the
 * admin thread).
 */
final class ZkWatch implements StoreWatch {
  /*
   * state, by CAS: OPEN -> CLOSED (close() or failed()); final. close() hands the removal to the
   * store's admin thread, which completes `removed` once the server watch is gone (or was shared
   * and stays for others); failed() completes it once onFailure has run (the store already dropped
   * the watch). A change call reads the state when it starts, not when it is queued, so that none
   * starts after close().
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
  private final SerialCalls calls = new SerialCalls();
  private volatile int state;

  ZkWatch(ZooKeeperStore store, String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    this.store = store;
    this.path = path;
    this.onChange = onChange;
    this.onFailure = onFailure;
  }

  /** Event or admin thread: {@code changedPath} changed; the listener hears it unless closed first. */
  void changed(String changedPath) {
    calls.run(() -> {
      if (state != OPEN) {
        return;
      }
      try {
        onChange.accept(changedPath);
      } catch (Throwable e) {
        Log.userCodeThrew("watch listener on " + path, e);
      }
    });
  }

  /**
   * Admin thread: the store dropped this watch; onFailure hears {@code cause}, here or, if a call of
   * this watch is running, on its thread once it returns. Nothing if the watch was closed first.
   */
  void failed(Throwable cause) {
    if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
      return;
    }
    calls.run(() -> {
      try {
        onFailure.accept(cause);
      } catch (Throwable e) {
        Log.userCodeThrew("watch failure listener on " + path, e);
      } finally {
        removed.complete(null);
      }
    });
  }

  /** Whether a listener call of this watch is running on {@code t} now. */
  boolean callingOn(Thread t) {
    return calls.runningOn(t);
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
