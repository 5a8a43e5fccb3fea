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

  /**
   * Wakes the loop if it is parked, so that it polls its drivers again. Safe from any thread. On
   * the loop's thread, from code run by a driver's poll that changed what another driver waits for
   * (a timer set in a readiness callback), it makes the loop read its clock again for the drivers
   * polled after that code and poll them all again before it waits; elsewhere on the loop's thread
   * it does nothing, since the loop polls its drivers after each batch of tasks anyway.
   */
  void wakeup();

  /**
   * Makes the loop wait through {@code waiter} instead of parking its thread, from now until
   * {@link #removeWaiter} (or the loop stops). The loop never closes a waiter: its owner releases
   * what it holds after removing it, typically in its {@link ContextService#terminated()}, while
   * the loops still run.
   *
   * @throws NullPointerException if {@code waiter} is null
   * @throws IllegalStateException if not called on this loop's thread, or the loop has a waiter
   */
  void setWaiter(LoopWaiter waiter);

  /**
   * Removes {@code waiter} if it is this loop's waiter; the loop parks its thread again from its
   * next wait on. Once this returns the loop calls the waiter no more, except a {@link
   * LoopWaiter#wakeup} by a thread that was posting at that moment.
   *
   * @return whether {@code waiter} was the loop's waiter
   * @throws NullPointerException if {@code waiter} is null
   * @throws IllegalStateException if not called on this loop's thread
   */
  boolean removeWaiter(LoopWaiter waiter);
}
