package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two drivers on one loop, where the poll of one runs code that changes what the other waits for
 * (as a selector's readiness callback sets a timer) and says so with {@link AoLoop#wakeup()} on
 * the loop's thread.
 */
class DriverPassTest {
  private final AtomicLong fakeNow = new AtomicLong(1_000_000_000L);
  private final AoContext ctx = AoContext.builder().name("drivers").ticker(fakeNow::get).build();
  private final AoLoop loop = ctx.loops().get(0);

  @AfterEach
  void close() {
    ctx.close();
  }

  @Test
  void aDriverPolledAfterOneWhoseCodeRanIsGivenTheTimeAfterThatCode() {
    AtomicBoolean go = new AtomicBoolean();
    long[] ranUntil = new long[1];
    CompletableFuture<Long> seen = new CompletableFuture<>();
    TestThreads.onLoop(loop, () -> {
      loop.addDriver(now -> { // first: its callback runs 10 ms, then changes the second's plan
        if (go.compareAndSet(true, false)) {
          ranUntil[0] = fakeNow.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
          loop.wakeup();
        }
        return LoopDriver.IDLE;
      });
      loop.addDriver(now -> {
        if (ranUntil[0] != 0 && !seen.isDone()) {
          seen.complete(now);
        }
        return LoopDriver.IDLE;
      });
    });
    TestThreads.onLoop(loop, () -> go.set(true));
    long now = seen.orTimeout(10, TimeUnit.SECONDS).join();
    assertTrue(now >= ranUntil[0], "the second driver was polled with a time before the change");
  }

  @Test
  void aDriverPolledBeforeOneWhoseCodeChangedItsPlanIsPolledAgainBeforeTheLoopWaits() {
    AtomicBoolean go = new AtomicBoolean();
    AtomicBoolean due = new AtomicBoolean();
    CompletableFuture<Void> fired = new CompletableFuture<>();
    TestThreads.onLoop(loop, () -> {
      loop.addDriver(now -> { // first: idle until the second's callback makes something due
        if (due.compareAndSet(true, false)) {
          fired.complete(null);
        }
        return LoopDriver.IDLE;
      });
      loop.addDriver(now -> {
        if (go.compareAndSet(true, false)) {
          due.set(true);
          loop.wakeup();
        }
        return LoopDriver.IDLE;
      });
    });
    TestThreads.onLoop(loop, () -> go.set(true));
    // nothing else wakes the loop: without a second pass it would wait for ever
    fired.orTimeout(10, TimeUnit.SECONDS).join();
  }
}
