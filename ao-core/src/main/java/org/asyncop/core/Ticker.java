package org.asyncop.core;

/**
 * The source of time of a context, in nanoseconds from an arbitrary origin, as {@link
 * System#nanoTime()}. Injectable so that tests can drive time by hand.
 */
@FunctionalInterface
public interface Ticker {
  /** The system's monotonic clock. */
  Ticker SYSTEM = System::nanoTime;

  /** The current time in nanoseconds; never decreases. */
  long nanoTime();
}
