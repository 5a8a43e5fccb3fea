package org.asyncop.supervise;

import java.time.Duration;

/*
 * The restart intensity limit: at most `max` restarts within any `period`, as OTP's intensity and
 * period. A passive structure: the caller passes the time, so tests drive it by hand.
 *
 * The times of the last `max` restarts are kept in a ring, oldest at `head`. A restart is allowed
 * when fewer than `max` of them lie within `period` before now; then its time replaces the oldest.
 * Not thread-safe: the supervisor uses it on its loop only.
 */
final class RestartWindow {
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  private final long[] times;
  private final long periodNanos;
  private int head;
  private int count;

  RestartWindow(int max, Duration period) {
    if (max < 0) {
      throw new IllegalArgumentException("maxRestarts must not be negative, was " + max);
    }
    this.times = new long[max];
    this.periodNanos = saturatedNanos(period);
  }

  /** {@code d} in nanoseconds, or Long.MAX_VALUE for longer (FOREVER: a period that never ends). */
  static long saturatedNanos(Duration d) {
    return d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  /**
   * Records a restart at {@code nowNanos} if the limit allows it.
   *
   * @return false, recording nothing, if {@code max} restarts already happened within the period
   */
  boolean tryRecord(long nowNanos) {
    while (count > 0 && nowNanos - times[head] >= periodNanos) {
      head = (head + 1) % times.length;
      count--;
    }
    if (count == times.length) {
      return false;
    }
    times[(head + count) % times.length] = nowNanos;
    count++;
    return true;
  }
}
