package org.asyncop.core;

import java.util.concurrent.Executor;

/**
 * One event loop of a context: a thread that runs the tasks, hooks and callbacks of the operations
 * bound to it, one at a time.
 */
public interface AoLoop extends Executor {
  /**
   * Posts a task. Tasks posted from one thread run in the order they were posted. After the loop
   * has stopped, a task is dropped and logged.
   *
   * @throws NullPointerException if {@code task} is null
   */
  @Override
  void execute(Runnable task);

  /** Whether the calling thread is this loop's thread. */
  boolean inLoop();

  /** This loop's number within its context, from 0. */
  int index();

  /** The time of the context's {@link Ticker}. */
  long nanoTime();

  /**
   * Adds a driver that this loop polls between tasks for as long as it runs.
   *
   * @throws NullPointerException if {@code driver} is null
   * @throws IllegalStateException if not called on this loop's thread
   */
  void addDriver(LoopDriver driver);

  /** Wakes the loop if it is parked, so that it polls its drivers again. Safe from any thread. */
  void wakeup();
}
