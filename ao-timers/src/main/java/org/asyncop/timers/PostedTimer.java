package org.asyncop.timers;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.asyncop.core.Registration;
import org.asyncop.timers.internal.TimerWheel;

/**
 * A timer made on another thread, on its way to its loop's wheel through the {@link ArmQueue}, and
 * the registration its maker gets. Closed before the loop took it, it is simply skipped: nothing
 * is posted to the loop, so setting and closing a timer off the loop costs no loop task.
 */
final class PostedTimer implements Registration {
  /*
   * state, changed by CAS:
   *   POSTED -> ARMED   the loop took it from the queue; from then on the timer (a hook node)
   *                     answers close() itself
   *   POSTED -> CLOSED  closed first; the loop skips it
   * ARMED and CLOSED are final.
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

  PostedTimer(Timer timer, long deadlineNanos) {
    this.timer = timer;
    this.deadlineNanos = deadlineNanos;
  }

  /** Loop: schedules the timer and pushes its hook, unless it was closed first. */
  void arm(TimerWheel w) {
    if (STATE.compareAndSet(this, POSTED, ARMED)) {
      timer.arm(w, deadlineNanos); // a close from now on goes to the timer
    }
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
