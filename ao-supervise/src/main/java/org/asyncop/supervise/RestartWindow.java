package org.asyncop.supervise;

import java.time.Duration;

/*
 * The restart intensity limit: at most `max` restarts within any `period`, as OTP's intensity and
 * period. A passive structure: the caller passes the time, so tests drive it by hand.
 *
 * The times of the restarts within the period (at most `max`) are kept in a ring, oldest at
 * `head`. A restart is allowed when fewer than `max` of them lie within `period` before now; then
 * its time is added. The ring grows as restarts come, up to `max`, so that a limit meant as "no
 * practical limit" (Integer.MAX_VALUE) costs only the restarts it holds.
 * Not thread-safe: the supervisor uses it on its loop only.
 */
final class RestartWindow {
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);
  private static final int FIRST_SIZE = 8;

  private final int max;
  private long[] times;
  private final long periodNanos;
  private int head;
  private int count;

  RestartWindow(int max, Duration period) {
    if (max < 0) {
      throw new IllegalArgumentException("maxRestarts must not be negative, was " + max);
    }
    this.max = max;
    this.times = new long[Math.min(max, FIRST_SIZE)];
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
    if (count == max) {
      return false;
    }
    if (count == times.length) {
      grow();
    }
    times[(head + count) % times.length] = nowNanos;
    count++;
    return true;
  }

  /** The ring is full and below {@code max}: twice as large (at most max), oldest first. */
  private void grow() {
    long[] bigger = new long[(int) Math.min(max, 2L * times.length)];
    for (int i = 0; i < count; i++) {
      bigger[i] = times[(head + i) % times.length];
    }
    times = bigger;
    head = 0;
  }
}
