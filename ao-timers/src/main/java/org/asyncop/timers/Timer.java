package org.asyncop.timers;

import java.lang.System.Logger.Level;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoLoop;
import org.asyncop.core.Rc;
import org.asyncop.core.UserCode;
import org.asyncop.timers.internal.TimerWheel;

/**
 * One timer: a node of its loop's wheel, the cancel hook it pushes on its operation and the
 * registration handed to the user, all one object ({@link TimerWheel.Node} is a {@link
 * org.asyncop.core.HookNode}). So a timer allocates nothing but itself, and a pending timeout
 * is 48 bytes, hook included.
 */
abstract class Timer extends TimerWheel.Node {
  /*
   * The one state is the hook node's (the core's): open, fired (the operation's cancel reached
   * the hook), or closed. Each way a timer can end claims it there, once:
   *   expiry (loop)            tryClose(): won only while open; then the expiry callback. Not
   *                            tried once the operation is cancelled or completed: its hooks'
   *                            drain is then queued and ends the timer with CANCEL
   *   the operation's cancel   the core moves it to fired and calls cancel(): the CANCEL callback
   *   close() (any thread)     the core closes it; nothing is called
   * Whichever wins, the core then releases the node on the loop and released() takes the timer
   * out of the wheel, so a closed timer keeps nothing. The wheel links are confined to the loop.
   *
   * A timer made on another thread is handed to its maker inside a PostedTimer, which answers
   * close() until the loop's ArmQueue has armed the timer; one closed before that is skipped. Its
   * hook push is reserved from the maker's thread (reserve), so the operation's outcome waits for
   * the ArmQueue's drain, which arms it or skips it and then ends the reservation.
   */
  private static final System.Logger LOG = System.getLogger("org.asyncop.timers");

  Timer(Ao<?> ao) {
    super(ao);
  }

  /** The loop of the timer's operation. */
  final AoLoop loop() {
    return ao().loop();
  }

  /**
   * {@link #close()}, saying whether this call removed the timer (false if it had ended or was
   * closed already). Any thread. The race tests use it to know from when nothing may be called.
   */
  final boolean closeIfOpen() {
    return tryClose();
  }

  /** Loop: schedules the timer and pushes it as its operation's hook. */
  final void arm(TimerWheel w, long deadlineNanos) {
    w.schedule(this, deadlineNanos);
    ao().onCancel(this);
  }

  /**
   * Any thread: the operation's outcome waits for this timer's hook until {@link #endReservation}
   * (see {@link #reservePush}).
   */
  final boolean reserve() {
    return reservePush();
  }

  /** Loop: ends {@link #reserve}, after the timer was armed or skipped. */
  final void endReservation(boolean reserved) {
    reservationEnded(reserved);
  }

  /**
   * Loop: schedules the timer {@code delayNanos} after the wheel's next stamp (see {@link
   * TimerWheel#scheduleAfter}) and pushes it as its operation's hook.
   *
   * @return whether the caller should stamp the wheel now
   */
  final boolean armAfter(TimerWheel w, long delayNanos) {
    boolean stampNow = w.scheduleAfter(this, delayNanos);
    ao().onCancel(this);
    return stampNow;
  }

  /** The operation was cancelled or completed first: the hook, on the loop, once. */
  @Override
  protected final void cancel() {
    unschedule();
    aoCancelled();
  }

  /** Loop: the operation no longer holds the timer (closed, fired or expired). */
  @Override
  protected final void released() {
    unschedule();
  }

  /** The wheel says the timer is due; on the loop. */
  @Override
  protected void expire(TimerWheel wheel) {
    if (aoEnding()) {
      return;
    }
    if (tryClose()) { // removes the hook (inline: we are the loop) before the callback
      expired();
    }
  }

  /**
   * Loop: whether the operation was cancelled or completed before the timer came due, its hook
   * not yet run: that drain is queued (a callback earlier in this poll ended the operation, or a
   * cancel from another thread is on its way), and the timer, left open, hears CANCEL from it.
   */
  final boolean aoEnding() {
    Ao<?> a = ao();
    return a.isDone() || a.isCancelRequested();
  }

  /** Loop: the timer ran out (called once, after the hook was removed). */
  abstract void expired();

  /** Loop: the operation was cancelled or completed first (called once). */
  abstract void aoCancelled();

  /** Calls user code on the loop; a throw is logged and goes no further. */
  static void call(Consumer<Rc> callback, Rc rc) {
    try {
      callback.accept(rc);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e); // the loops' one rule for what user code may throw through
      LOG.log(Level.WARNING, "timer callback " + callback + " threw on " + rc
          + "; the loop goes on", e);
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + (isOpen() ? "open" : "ended") + ", ao=" + ao() + "]";
  }
}
