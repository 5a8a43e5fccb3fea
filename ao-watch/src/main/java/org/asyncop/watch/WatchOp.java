package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.jspecify.annotations.Nullable;

/**
 * One {@link Watches#watch}: forwards a store watch's changes to a listener on the operation's
 * loop, and ends it exactly once.
 *
 * <p>The end is decided by one CAS on {@link #state} (from any thread: the cancel hook on the
 * loop, a store failure on a store thread, {@link #close()} anywhere); the winner delivers the end
 * event on the loop and releases the store watch through {@link StoreLink}. A change is delivered
 * only by a loop task that still sees OPEN, so no change follows the end.
 *
 * <p>Order of a start ({@link WatchIo#start}): the cancel hook ({@link #onCancel}) is attached by
 * the initiating call, on its own thread, so the operation's outcome waits for the watch from
 * then on; {@link #start} then runs on the loop and makes the store watch, unless it has ended.
 */
final class WatchOp implements Registration {
  /*
   * state: OPEN -> ENDED, once, by CAS. Everything else is confined to the loop: `link` (the store
   * side, which also keeps the outcome hold). The end may come before start() (a close(), or the
   * hook posted ahead of it): start() then hands the hold to the link and makes nothing, and
   * whichever of start() and the end's link.release() runs second closes the hold.
   */
  private static final int OPEN = 0;
  private static final int ENDED = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(WatchOp.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Ao<?> ao;
  private final String path;
  private final Consumer<WatchEvent> listener;
  private final StoreLink link;
  private volatile int state;

  WatchOp(Ao<?> ao, WatchableStore store, String path, Consumer<WatchEvent> listener, WatchIo io) {
    this.ao = ao;
    this.path = path;
    this.listener = listener;
    this.link = new StoreLink(ao, store, path, io.io());
  }

  /** Loop, with the outcome hold the initiating call made: makes the store watch. */
  void start(Registration hold) {
    link.adopt(hold);
    if (state != OPEN) {
      return; // ended before it started: nothing is made
    }
    link.open(this::onStoreChange, this::onStoreFailure, null);
  }

  /** Store thread: a change; forwarded if the watch is still open when the loop gets to it. */
  private void onStoreChange(String changed) {
    if (state == OPEN) {
      ao.execute(
          () -> {
            if (state == OPEN) {
              deliver(WatchEvent.changed(changed));
            }
          });
    }
  }

  private void onStoreFailure(Throwable cause) {
    endLater(Rc.FAIL, cause);
  }

  /** Loop, as the cancel hook: the operation was cancelled or completed. */
  void onCancel() {
    if (STATE.compareAndSet(this, OPEN, ENDED)) {
      ended(Rc.CANCEL, null);
    }
  }

  /** Ends with CANCEL; the listener hears it on the loop. Safe from any thread; idempotent. */
  @Override
  public void close() {
    endLater(Rc.CANCEL, null);
  }

  private void endLater(Rc rc, @Nullable Throwable cause) {
    if (STATE.compareAndSet(this, OPEN, ENDED)) {
      ao.execute(() -> ended(rc, cause));
    }
  }

  /** Loop: after the CAS to ENDED. */
  private void ended(Rc rc, @Nullable Throwable cause) {
    deliver(WatchEvent.ended(rc, cause));
    link.release();
  }

  private void deliver(WatchEvent e) {
    try {
      listener.accept(e);
    } catch (Throwable t) {
      Log.userCodeThrew("watch listener on " + path, t);
    }
  }

  @Override
  public String toString() {
    return "Watch[" + path + (state == OPEN ? "" : ", ended") + "]";
  }
}
