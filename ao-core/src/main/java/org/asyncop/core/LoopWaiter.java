package org.asyncop.core;

/**
 * How a loop waits when it has nothing to run, for a module that must wait on something other
 * than the loop's own queue: a {@link java.nio.channels.Selector}, so that readiness reaches its
 * callback on the loop without a thread of its own (as Netty's event loop does). At most one per
 * loop at a time ({@link AoLoop#setWaiter}); without one, the loop parks its thread.
 *
 * <p>The loop calls {@link #await} on its own thread only when its queues are empty, after it
 * marked itself parked and re-checked them; any thread calls {@link #wakeup} after posting a task
 * to the parked loop. A wakeup must be sticky, as {@link java.nio.channels.Selector#wakeup()} and
 * {@link java.util.concurrent.locks.LockSupport#unpark} are: one that comes before {@code await}
 * starts makes that {@code await} return at once. Extra or early returns are harmless (the loop
 * re-checks and waits again).
 *
 * <p>An {@code await} that throws is logged and the waiter is removed (the loop parks its thread
 * from then on); a {@code wakeup} that throws is logged and the loop's thread is unparked too.
 */
public interface LoopWaiter {
  /**
   * Loop thread: waits until {@link #wakeup} is called (or was called since the last {@code
   * await}), something the waiter watches happens, or about {@code nanos} pass ({@link
   * LoopDriver#IDLE} for no bound; never 0 or less).
   */
  void await(long nanos);

  /** Any thread: makes the current or next {@link #await} return soon. Must not block. */
  void wakeup();
}
