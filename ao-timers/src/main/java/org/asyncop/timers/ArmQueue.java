package org.asyncop.timers;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.asyncop.core.AoLoop;
import org.asyncop.timers.internal.TimerWheel;

/**
 * Timers made on other threads, on their way to one loop's wheel. Posting each one as a loop task
 * would wake the loop once per timer; here they queue up and one drain task takes them all, so a
 * thread that sets many timers wakes the loop at most once per batch.
 */
final class ArmQueue implements Runnable {
  /*
   * drainPosted: 0 or 1, changed by CAS.
   *   0 -> 1  a producer that offered to `queue` posts the drain task (only the one whose CAS wins)
   *   1 -> 0  the drain task, on the loop, before it empties the queue
   * Invariant: whenever the queue is not empty, a drain task is posted or running. A producer
   * offers, then tries 0 -> 1; the drain resets to 0, then polls until empty. A timer offered after
   * the drain's last poll finds 0 (the reset came first) and posts a new drain; one offered before
   * it is taken by that poll.
   */
  private static final VarHandle DRAIN_POSTED;

  static {
    try {
      DRAIN_POSTED = MethodHandles.lookup().findVarHandle(ArmQueue.class, "drainPosted", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final ConcurrentLinkedQueue<PostedTimer> queue = new ConcurrentLinkedQueue<>();
  private final AoLoop loop;
  private final TimersService service;
  private volatile int drainPosted;

  ArmQueue(AoLoop loop, TimersService service) {
    this.loop = loop;
    this.service = service;
  }

  /** Any thread: queues {@code t} to be scheduled on the loop. */
  void offer(PostedTimer t) {
    queue.offer(t);
    if (drainPosted == 0 && DRAIN_POSTED.compareAndSet(this, 0, 1)) {
      loop.execute(this);
    }
  }

  /** The drain task, on the loop. */
  @Override
  public void run() {
    DRAIN_POSTED.setVolatile(this, 0);
    TimerWheel w = service.wheelOnLoop(loop);
    PostedTimer t;
    while ((t = queue.poll()) != null) {
      t.arm(w);
    }
  }
}
