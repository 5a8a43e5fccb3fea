package org.asyncop.timers;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.asyncop.core.Registration;
import org.asyncop.timers.internal.TimerWheel;

/**
 * A timer made on another thread, on its way to its loop's wheel through the {@link ArmQueue}, and
 * the registration its maker gets. Closed before the loop took it, it is simply skipped: nothing
 * is posted to the loop, so setting and closing a timer off the loop costs no loop task. Its maker
 * reserves the timer's hook push on the operation ({@link Timer#reserve}) before queueing it, so
 * the operation's outcome waits until the loop has taken it: a completion that reaches the loop
 * ahead of the queue's drain (a driver's callback) then cancels the timer before it is delivered.
 */
final class PostedTimer implements Registration {
  /*
   * state, changed by CAS:
   *   POSTED -> ARMED   the loop took it from the queue; from then on the timer (a hook node)
   *                     answers close() itself
   *   POSTED -> CLOSED  closed first; the loop skips it
   * ARMED and CLOSED are final. Either way the loop then ends the reservation.
   */
  private static final int POSTED = 0;
  private static final int ARMED = 1;
  private static final int CLOSED = 2;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PostedTimer.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Timer timer;
  final long deadlineNanos;
  private volatile int state;
  /** What {@link Timer#reserve} said; written by the maker before the ArmQueue publishes it. */
  private boolean reserved;

  PostedTimer(Timer timer, long deadlineNanos) {
    this.timer = timer;
    this.deadlineNanos = deadlineNanos;
  }

  /** The maker, just before queueing it: reserves the timer's hook push; returns this. */
  PostedTimer reserve() {
    reserved = timer.reserve();
    return this;
  }

  /**
   * Loop: schedules the timer and pushes its hook, unless it was closed first; then ends the
   * reservation.
   */
  void arm(TimerWheel w) {
    if (STATE.compareAndSet(this, POSTED, ARMED)) {
      timer.arm(w, deadlineNanos); // a close from now on goes to the timer
    }
    timer.endReservation(reserved);
  }

  @Override
  public void close() {
    closeIfOpen();
  }

  /** {@link #close()}, saying whether this call removed the timer (see Timer#closeIfOpen). */
  boolean closeIfOpen() {
    if (STATE.compareAndSet(this, POSTED, CLOSED)) {
      return true;
    }
    return state == ARMED && timer.closeIfOpen();
  }

  @Override
  public String toString() {
    return state == POSTED ? "PostedTimer[posted, " + timer + "]" : timer.toString();
  }
}
