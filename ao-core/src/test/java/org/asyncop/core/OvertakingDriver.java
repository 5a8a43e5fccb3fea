package org.asyncop.core;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loop driver that completes the operation it is handed, as a selector's readiness callback
 * would: a completion that reaches the loop ahead of tasks posted before it. {@link #holdLoop()}
 * keeps the loop busy, with more than a batch of tasks queued behind, so that once released the
 * loop polls this driver before it reaches a task posted after that call.
 */
final class OvertakingDriver {
  private final AoLoop loop;
  private final AtomicReference<Ao<String>> handed = new AtomicReference<>();

  /** Adds the driver to {@code loop}. */
  OvertakingDriver(AoLoop loop) {
    this.loop = loop;
    TestThreads.onLoop(loop, () -> loop.addDriver(now -> {
      Ao<String> a = handed.getAndSet(null);
      if (a != null) {
        a.complete("v");
      }
      return LoopDriver.IDLE;
    }));
  }

  /** The driver completes {@code ao} with "v" in its next poll. */
  void hand(Ao<String> ao) {
    handed.set(ao);
  }

  /** Holds the loop until the returned latch is counted down; see the class comment. */
  CountDownLatch holdLoop() {
    CountDownLatch busy = new CountDownLatch(1);
    loop.execute(() -> {
      try {
        busy.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    for (int i = 0; i < 300; i++) { // more than a batch: the driver is polled before the rest
      loop.execute(() -> {});
    }
    return busy;
  }
}
