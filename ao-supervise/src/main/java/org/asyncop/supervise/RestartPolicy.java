package org.asyncop.supervise;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.asyncop.core.Checks;
import org.asyncop.core.Rc;

/**
 * When a service that ended on its own starts again, and after how long.
 *
 * <p>Which ends restart it ({@link When}, as OTP's temporary, transient and permanent children). A
 * service stopped by request ({@link Supervisor#stop(ServiceKey)}, or the supervisor stopping) is
 * never restarted, whatever its policy.
 *
 * <p>Backoff: the n-th restart in a row waits {@code initial * 2^(n-1)}, capped at {@code max}. The
 * streak starts over when an incarnation ran for at least {@code max} before it ended. Immutable.
 */
public final class RestartPolicy {
  /** Which ends of a service make it start again. */
  public enum When {
    /** Never: the service is dropped when it ends. */
    NEVER,
    /**
     * After a FAIL only (also after a crash in {@link Service#receive}); an OK end or a CANCEL it
     * did not get from its supervisor drops it.
     */
    ON_FAILURE,
    /** After any end it was not asked for: OK, FAIL or CANCEL. */
    ALWAYS
  }

  private static final Duration DEFAULT_INITIAL = Duration.ofMillis(10);
  private static final Duration DEFAULT_MAX = Duration.ofSeconds(10);

  private final When when;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  private RestartPolicy(When when, Duration initialBackoff, Duration maxBackoff) {
    this.when = when;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  /** Never restart. */
  public static RestartPolicy never() {
    return new RestartPolicy(When.NEVER, DEFAULT_INITIAL, DEFAULT_MAX);
  }

  /** Restart after a FAIL, with a backoff from 10 ms up to 10 s. */
  public static RestartPolicy onFailure() {
    return new RestartPolicy(When.ON_FAILURE, DEFAULT_INITIAL, DEFAULT_MAX);
  }

  /** Restart after any end that was not requested, with a backoff from 10 ms up to 10 s. */
  public static RestartPolicy always() {
    return new RestartPolicy(When.ALWAYS, DEFAULT_INITIAL, DEFAULT_MAX);
  }

  /**
   * This policy with another backoff. A zero {@code initial} restarts at once, every time.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code initial} is negative, or {@code max} is less than
   *     {@code initial}
   */
  public RestartPolicy withBackoff(Duration initial, Duration max) {
    Checks.nonNegative(initial, "initial");
    Checks.nonNegative(max, "max");
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max must not be less than initial, was " + max
          + " < " + initial);
    }
    return new RestartPolicy(when, initial, max);
  }

  /** Which ends restart the service. */
  public When when() {
    return when;
  }

  /** The delay before the first restart of a streak. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The longest delay before a restart. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Whether an end with {@code rc} that the supervisor did not ask for restarts the service. */
  boolean restartsAfter(Rc rc) {
    requireNonNull(rc, "rc");
    return switch (when) {
      case NEVER -> false;
      case ON_FAILURE -> rc == Rc.FAIL;
      case ALWAYS -> true;
    };
  }

  /** The delay before restart number {@code streak} (from 1) of a streak. */
  Duration delay(int streak) {
    if (streak < 1) {
      throw new IllegalArgumentException("streak must be at least 1, was " + streak);
    }
    if (initialBackoff.isZero()) {
      return Duration.ZERO;
    }
    Duration d = initialBackoff;
    Duration half = maxBackoff.dividedBy(2);
    for (int i = 1; i < streak && d.compareTo(maxBackoff) < 0; i++) {
      // past half the cap, doubling reaches it: a cap near Duration's range (FOREVER) would
      // make the doubling overflow instead
      d = d.compareTo(half) > 0 ? maxBackoff : d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) < 0 ? d : maxBackoff;
  }

  @Override
  public String toString() {
    return "RestartPolicy[" + when + ", backoff " + initialBackoff + ".." + maxBackoff + "]";
  }
}
