package org.asyncop.timers;

import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.timers.internal.TimerWheel;

/**
 * A timer that fires OK every period until its operation ends (CANCEL once) or it is closed. Each
 * deadline is the previous planned one plus the period, so lateness never accumulates.
 */
final class PeriodicTimer extends Timer {
  private final Consumer<Rc> callback;
  private final long periodNanos;
  /** The deadline the wheel was last given; loop-confined once armed. */
  private long plannedNanos;

  PeriodicTimer(Ao<?> ao, Consumer<Rc> callback, long periodNanos, long first) {
    super(ao);
    this.callback = callback;
    this.periodNanos = periodNanos;
    this.plannedNanos = first;
  }

  @Override
  protected void expire(TimerWheel wheel) {
    if (!isOpen() || aoEnding()) {
      return; // closed from another thread (its release is on its way), or CANCEL is coming
    }
    call(callback, Rc.OK);
    if (!isOpen()) {
      return; // closed while the callback ran: released already, or its release is on its way
    }
    long now = loop().nanoTime();
    long next = TimersService.saturatedAdd(plannedNanos, periodNanos);
    if (next <= now) {
      // held up past one or more period starts: they become one call, due at once, at the latest
      // of them, so the phase is kept and no burst replays the others
      long missed = (now - plannedNanos) / periodNanos;
      next = TimersService.saturatedAdd(
          plannedNanos, TimersService.saturatedMul(missed, periodNanos));
    }
    plannedNanos = next;
    wheel.schedule(this, next); // a close from now on posts a release, which unschedules it
  }

  @Override
  void expired() {
    throw new IllegalStateException("a periodic timer does not expire once");
  }

  @Override
  void aoCancelled() {
    call(callback, Rc.CANCEL);
  }
}
