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
import org.asyncop.core.Hold;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.core.Ticker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void aTimerOnAnEndedOperationSetJustBeforeTheStop_isCancelled_andNotReportedAsLeft(int others)
      throws Exception {
    AoContext ctx = AoContext.builder().name("stop-count").build();
    TimersService timers = (TimersService) Timers.of(ctx);
    CompletableFuture<Outcome<Void>> out = new CompletableFuture<>();
    Ao<Void> ao = ctx.begin(AoHow.callback(out::complete));
    ao.complete(null);
    out.get(10, SECONDS);
    Hold hold = ctx.hold(); // keeps the close from its last phase until it is closed below
    CompletableFuture<Void> closed = ctx.closeAsync().toCompletableFuture();
    // the close's first task has run on the loop: the loop is quiescent, the close waits for the
    // hold, and the hold's close below runs the services' terminated() on this thread
    CompletableFuture<Void> closeSeen = new CompletableFuture<>();
    ctx.loops().get(0).execute(() -> closeSeen.complete(null));
    closeSeen.get(10, SECONDS);
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ao.execute(() -> { // the loop is held, so what follows queues up in order behind this
      busy.countDown();
      awaitQuietly(release);
    });
    assertTrue(busy.await(10, SECONDS));
    for (int i = 0; i < others; i++) { // shifts the loop's alternation between its two queues
      ao.execute(() -> {});
    }
    Calls calls = new Calls();
    timers.timeout(ao, Duration.ofSeconds(30), calls); // its batch task is queued
    hold.close(); // the close goes on: the timers' gate stops, their count is queued behind
    release.countDown();
    closed.get(10, SECONDS);
    assertEquals(List.of(Rc.CANCEL), calls.rcs);
    assertEquals(0, timers.leftAtStop(), "a timer that got its CANCEL reported as left");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
