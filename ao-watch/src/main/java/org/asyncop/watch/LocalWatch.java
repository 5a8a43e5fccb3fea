package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A watch held in a {@link WatchTable}, for the stores whose watches live in this process.
 */
final class LocalWatch implements StoreWatch {
  /*
   * state, by CAS: OPEN -> CLOSED (close(), or failed()). CLOSED is final; whoever moves it there
   * takes the watch out of its table and completes `removed`. Listener calls check OPEN first.
   */
  private static final int OPEN = 0;
  private static final int CLOSED = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(LocalWatch.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String path;
  private final WatchTable table;
  private final Consumer<String> onChange;
  private final Consumer<Throwable> onFailure;
  private final CompletableFuture<Void> removed = new CompletableFuture<>();
  private volatile int state;

  LocalWatch(WatchTable table, String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    this.table = table;
    this.path = path;
    this.onChange = onChange;
    this.onFailure = onFailure;
  }

  /** Called by the store's dispatching thread, one call at a time. */
  void changed(String changedPath) {
    if (state != OPEN) {
      return;
    }
    try {
      onChange.accept(changedPath);
    } catch (Throwable e) {
      Log.userCodeThrew("watch listener on " + path, e);
    }
  }

  /** The store can no longer watch: tell the listener once and remove the watch. */
  void failed(Throwable cause) {
    if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
      return;
    }
    table.remove(this);
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
      table.remove(this);
      removed.complete(null);
    }
  }

  @Override
  public CompletionStage<Void> removed() {
    return removed.minimalCompletionStage();
  }

  @Override
  public String toString() {
    return "LocalWatch[" + path + (state == OPEN ? "" : ", closed") + "]";
  }
}
