package org.asyncop.timers;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Ticker;
import org.junit.jupiter.api.Test;

/**
 * A timer set from another thread while the context stops: its callback comes, or the call
 * throws; it is never silently lost. The setting thread is held inside the call, after the check
 * that the context has not stopped, by the context's ticker (read there for the deadline).
 */
class StopRaceTest {

  @Test
  void aTimerSetAsTheContextStops_isRefusedAtTheCall_ratherThanNeverCalledBack() throws Exception {
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Thread> setter = new CompletableFuture<>();
    Ticker held = () -> {
      if (Thread.currentThread() == setter.getNow(null)) {
        inCall.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return System.nanoTime();
    };
    AoContext ctx = AoContext.builder().name("stopping").ticker(held).build();
    Timers timers = Timers.of(ctx);
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
    ao.complete(null); // ended: it no longer keeps the context from stopping
    Calls calls = new Calls();
    CompletableFuture<Object> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(timers.timeout(ao, Duration.ofSeconds(30), calls));
      } catch (Throwable e) {
        result.complete(e);
      }
    });
    setter.complete(t);
    t.start();
    assertTrue(inCall.await(10, SECONDS)); // past the check, reading the clock for its deadline
    ctx.closeAsync().toCompletableFuture().get(10, SECONDS); // the loop has stopped
    release.countDown();
    t.join(10_000);
    // the loop is gone, so the callback can never come: the call must say so
    Object r = result.get(10, SECONDS);
    IllegalStateException e = assertInstanceOf(IllegalStateException.class, r, "returned " + r);
    assertTrue(e.getMessage().contains("stopping"), e.getMessage());
    assertEquals(List.of(), calls.rcs);
  }
}
