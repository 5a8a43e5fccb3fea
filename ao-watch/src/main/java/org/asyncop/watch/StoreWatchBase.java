package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the stores' watches share: the watched path, the two listeners, the OPEN/CLOSED state and
 * the {@code removed} future. A subclass decides from which threads the listeners are called and
 * how the watch leaves its store; it calls {@link #tellChange} and {@link #tellFailure} from its
 * own {@code changed} and {@code failed}, and {@link #casClosed} from {@code failed} and {@link
 * #close()}.
 */
abstract class StoreWatchBase implements StoreWatch {
  /*
   * state, by CAS: OPEN -> CLOSED (casClosed(), from the subclass's close() or failed()); CLOSED
   * is final. Whoever moves it there sees that the watch leaves its store (on a failure the store
   * may have dropped it already) and that `removed` completes: after a failure, tellFailure()
   * completes it once onFailure has run; after close(), removedDone() completes it once the store
   * holds nothing of the watch. tellChange() reads the state as it starts, so a change call that
   * starts after close() does not call onChange.
   */
  private static final int OPEN = 0;
  private static final int CLOSED = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(StoreWatchBase.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String path;
  private final Consumer<String> onChange;
  private final Consumer<Throwable> onFailure;
  private final CompletableFuture<Void> removed = new CompletableFuture<>();
  private volatile int state;

  StoreWatchBase(String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    this.path = path;
    this.onChange = onChange;
    this.onFailure = onFailure;
  }

  /** Any thread: moves the state OPEN -> CLOSED; true for the one caller that moved it. */
  final boolean casClosed() {
    return STATE.compareAndSet(this, OPEN, CLOSED);
  }

  /**
   * Calls onChange with {@code changedPath} unless the watch is closed; a listener that throws is
   * logged, never passed on. The subclass calls it one call at a time.
   */
  final void tellChange(String changedPath) {
    if (state != OPEN) {
      return;
    }
    try {
      onChange.accept(changedPath);
    } catch (Throwable e) {
      Log.userCodeThrew("watch listener on " + path, e);
    }
  }

  /**
   * Once, after a {@link #casClosed} that the store's failure won: calls onFailure with {@code
   * cause} (a listener that throws is logged, never passed on), then completes {@code removed},
   * whether or not it threw.
   */
  final void tellFailure(Throwable cause) {
    try {
      onFailure.accept(cause);
    } catch (Throwable e) {
      Log.userCodeThrew("watch failure listener on " + path, e);
    } finally {
      removed.complete(null);
    }
  }

  /** After a {@link #casClosed} that close() won: the store holds nothing of this watch now. */
  final void removedDone() {
    removed.complete(null);
  }

  @Override
  public final CompletionStage<Void> removed() {
    return removed.minimalCompletionStage();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + path + (state == OPEN ? "" : ", closed") + "]";
  }
}
