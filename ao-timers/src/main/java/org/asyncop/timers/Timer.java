package org.asyncop.timers;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.CancelHook;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.timers.internal.TimerWheel;
import org.jspecify.annotations.Nullable;

/**
 * One timer: a node of its loop's wheel, the cancel hook it pushes on its operation, the
 * registration handed to the user, and (when closed from another thread) the loop task that
 * releases it. One object for all four keeps a pending timer small and add+cancel allocation-light.
 */
abstract class Timer extends TimerWheel.Node implements Registration, CancelHook, Runnable {
  /*
   * state, changed by CAS:
   *   NEW    -> ARMED   loop: scheduled and hook pushed. A timer made on its loop starts ARMED; one
   *                     made on another thread is NEW until its loop's ArmQueue drains it.
   *   NEW    -> CLOSED  close() before that; the drain then skips it, so nothing is posted.
   *   ARMED  -> DONE    loop: expired (one-shot), or the operation's cancel hook ran. The winner of
   *                     this CAS makes the one callback call.
   *   ARMED  -> FIRING  loop: a periodic timer is running its OK callback; FIRING -> ARMED after it,
   *                     then rescheduled.
   *   ARMED, FIRING -> CLOSED  close(), any thread. Whoever moves it to CLOSED has the loop release
   *                     it (unschedule, remove the hook): inline on the loop, else by posting it.
   *                     On the loop this is a plain release-store, not a CAS: every other move
   *                     out of ARMED/FIRING is the loop's own, so only another close can race it.
   * DONE and CLOSED are final. `wheel` and `hook` are confined to the loop; release() is
   * idempotent, so a release posted after the loop already let go does nothing.
   */
  static final int NEW = 0;
  static final int ARMED = 1;
  static final int FIRING = 2;
  static final int DONE = 3;
  static final int CLOSED = 4;

  private static final VarHandle STATE;
  private static final System.Logger LOG = System.getLogger("org.asyncop.timers");

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Ao<?> ao;
  private @Nullable TimerWheel wheel;
  private @Nullable Registration hook;
  private volatile int state;

  Timer(Ao<?> ao, boolean onLoop) {
    this.ao = ao;
    if (onLoop) {
      STATE.set(this, ARMED); // not yet visible to any other thread
    }
  }

  final int stateAcquire() {
    return state;
  }

  final boolean casState(int expected, int next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /** Loop: schedules an ARMED timer and pushes its hook. */
  final void arm(TimerWheel w, long deadlineNanos) {
    wheel = w;
    w.schedule(this, deadlineNanos);
    hook = ao.onCancel(this);
  }

  /** Loop: arms a timer made on another thread (from its loop's ArmQueue), unless closed since. */
  final void armPosted(TimerWheel w, long deadlineNanos) {
    if (casState(NEW, ARMED)) {
      arm(w, deadlineNanos);
    }
  }

  /** Loop: reschedules a periodic timer in its wheel. */
  final void reschedule(long deadlineNanos) {
    TimerWheel w = wheel;
    if (w != null) {
      w.schedule(this, deadlineNanos);
    }
  }

  /** Loop: unschedules and removes the hook, if not done already. */
  final void release() {
    TimerWheel w = wheel;
    if (w != null) {
      w.cancel(this);
    }
    Registration h = hook;
    if (h != null) {
      hook = null;
      h.close();
    }
  }

  @Override
  public final void close() {
    if (ao.loop().inLoop()) {
      // Only the loop moves a timer out of ARMED other than to CLOSED, and we are the loop: the
      // one thing that can race us is another thread's close, which also writes CLOSED. So no
      // CAS is needed here; the release is idempotent if both release.
      int s = state;
      if (s != DONE && s != CLOSED) {
        STATE.setRelease(this, CLOSED);
        release();
      }
      return;
    }
    for (; ; ) {
      int s = state;
      if (s == DONE || s == CLOSED) {
        return;
      }
      if (casState(s, CLOSED)) {
        if (s == NEW) {
          return; // the arm task will see CLOSED
        }
        ao.execute(this); // the loop releases it
        return;
      }
    }
  }

  /** As a loop task: releases a timer closed from another thread. */
  @Override
  public final void run() {
    checkOnLoop();
    release();
  }

  /** The operation was cancelled or completed: the hook, on the loop. */
  @Override
  public final void cancel() {
    checkOnLoop();
    hook = null; // the core releases a hook once it ran
    for (; ; ) {
      int s = state;
      if (s != ARMED && s != FIRING) {
        return;
      }
      if (casState(s, DONE)) {
        break;
      }
    }
    TimerWheel w = wheel;
    if (w != null) {
      w.cancel(this);
    }
    aoCancelled();
  }

  /** The task and hook faces of this object are for the loop; a cast elsewhere would race it. */
  private void checkOnLoop() {
    if (!ao.loop().inLoop()) {
      throw new IllegalStateException("only the loop of " + ao + " may run " + this);
    }
  }

  /** The wheel says the timer is due; on the loop. */
  @Override
  protected void expire() {
    if (casState(ARMED, DONE)) {
      release();
      expired();
    }
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
      if (e instanceof VirtualMachineError || e instanceof LinkageError) {
        throw (Error) e; // the JVM cannot go on from these
      }
      LOG.log(Level.WARNING, "timer callback " + callback + " threw on " + rc
          + "; the loop goes on", e);
    }
  }

  @Override
  public String toString() {
    String s = switch (state) {
      case NEW -> "NEW";
      case ARMED -> "ARMED";
      case FIRING -> "FIRING";
      case DONE -> "DONE";
      case CLOSED -> "CLOSED";
      default -> throw new IllegalStateException("Invalid state: " + state);
    };
    return getClass().getSimpleName() + "[" + s + ", ao=" + ao + "]";
  }
}
