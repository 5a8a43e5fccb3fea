package org.asyncop.core;

/**
 * Work a loop runs between its tasks, such as a timing wheel: the loop polls it and parks no
 * longer than it asks. Called only on the loop's thread.
 */
@FunctionalInterface
public interface LoopDriver {
  /** Returned by {@link #poll} when the driver has nothing due. */
  long IDLE = Long.MAX_VALUE;

  /**
   * Runs what is due at {@code nowNanos} and returns how many nanoseconds the loop may park
   * before the next poll ({@link #IDLE} for no bound). Exceptions are logged; the loop goes on.
   */
  long poll(long nowNanos);
}
