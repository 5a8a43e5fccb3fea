package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour 2, 3 and 8 of the core: completion, its delivery, cancel races, future mode. */
class CompletionTest {
  private final AoContext ctx = AoContext.builder().name("done").build();

  @AfterEach
  void close() {
    ctx.close();
  }

  @Test
  void callbackRunsOnceAfterEveryProgressReportOnTheLoop() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    ao.reportProgress(Progress.of("one"));
    ao.reportProgress(Progress.of("two", "detail"));
    ao.complete("v");
    r.awaitOne();
    assertEquals(List.of(Progress.of("one"), Progress.of("two", "detail"), r.outcomes.get(0)),
        r.events);
    assertTrue(r.threads.stream().allMatch(t -> t.getName().equals("done-loop-0")));
  }

  @Test
  void callbackNeverRunsInsideTheInitiatingCall() {
    AtomicBoolean inside = new AtomicBoolean();
    CompletableFuture<Boolean> ranInside = new CompletableFuture<>();
    ctx.loops().get(0).execute(() -> {
      inside.set(true);
      // an initiating function that fails at once, on the loop
      Ao<Void> ao = ctx.begin(AoHow.callback(o -> ranInside.complete(inside.get())));
      ao.reportProgress(Progress.of("validating"));
      ao.fail(new IllegalArgumentException("bad config"));
      inside.set(false);
    });
    assertFalse(ranInside.join());
  }

  @Test
  void secondCompletionThrows() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    ao.complete("a");
    assertTrue(ao.isDone(), "done from the call on, even while delivery is pending");
    assertThrows(IllegalStateException.class, () -> ao.complete("b"));
    assertThrows(IllegalStateException.class, () -> ao.fail(new Exception()));
    assertThrows(IllegalStateException.class, ao::cancelled);
    assertEquals("a", r.awaitOne().value());
  }

  @Test
  void cancelAfterCompletionReturnsFalseAndRunsNothing() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    ao.complete("a");
    r.awaitOne();
    assertFalse(ao.cancel());
    assertFalse(ao.cancelNow());
    assertFalse(ao.isCancelRequested());
  }

  @Test
  void callbackThatThrowsDoesNotStopTheLoop() {
    Ao<Void> bad = ctx.begin(AoHow.callback(o -> {
      throw new IllegalStateException("callback bug");
    }));
    bad.complete(null);
    Recorder<Void> r = new Recorder<>();
    ctx.begin(r.how()).complete(null);
    assertEquals(Rc.OK, r.awaitOne().rc());
  }

  /** A stack overflow has unwound by the time the loop catches it: the user's bug, not the loop's. */
  @Test
  void callbackThatOverflowsItsStackDoesNotStopTheLoop() {
    Ao<Void> bad = ctx.begin(AoHow.callback(o -> recurse(1)));
    bad.complete(null);
    Recorder<Void> r = new Recorder<>();
    ctx.begin(r.how()).complete(null);
    assertEquals(Rc.OK, r.awaitOne().rc());
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }

  @Test
  void progressListenerThatThrowsDoesNotStopDelivery() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(AoHow.callback(r).onProgress(p -> {
      throw new IllegalStateException("listener bug");
    }));
    ao.reportProgress(Progress.of("x"));
    ao.complete(null);
    assertEquals(Rc.OK, r.awaitOne().rc());
  }

  @Test
  void cancelWithReasonCarriesItToTheOutcome() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.onCancel(ao::cancelled);
    TimeoutException why = new TimeoutException("deadline");
    assertTrue(ao.cancel(why));
    assertSame(why, r.awaitOne().failure());
  }

  @Test
  void plainCancelledOutcomeCarriesACancellationException() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.onCancel(ao::cancelled);
    ao.cancel();
    assertInstanceOf(CancellationException.class, r.awaitOne().failure());
  }

  @Test
  void deliverOnKeepsProgressBeforeCompletionOneAtATime() {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Recorder<Integer> r = new Recorder<>();
      AtomicInteger concurrent = new AtomicInteger();
      AtomicInteger maxConcurrent = new AtomicInteger();
      Ao<Integer> ao = ctx.begin(AoHow.callback(r).deliverOn(pool).onProgress(p -> {
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        r.progress(p);
        concurrent.decrementAndGet();
      }));
      for (int i = 0; i < 100; i++) {
        ao.reportProgress(Progress.of("step", Integer.toString(i)));
      }
      ao.complete(7);
      r.awaitOne();
      assertEquals(101, r.events.size());
      for (int i = 0; i < 100; i++) {
        assertEquals(Progress.of("step", Integer.toString(i)), r.events.get(i));
      }
      assertEquals(1, maxConcurrent.get());
      assertTrue(r.threads.stream().noneMatch(t -> t.getName().startsWith("done-loop")));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aReportRacingCompletionOnTheLoopNeverReachesTheListenerAfterTheOutcome() throws Exception {
    Progress step = Progress.of("step");
    for (int i = 0; i < 200; i++) {
      AtomicBoolean delivered = new AtomicBoolean();
      AtomicInteger late = new AtomicInteger();
      AtomicInteger heard = new AtomicInteger();
      Ao<String> ao = ctx.begin(AoHow.<String>callback(o -> delivered.set(true)).onProgress(p -> {
        heard.incrementAndGet();
        if (delivered.get()) {
          late.incrementAndGet();
        }
      }));
      CountDownLatch reporting = new CountDownLatch(1);
      Thread reporter = TestThreads.start(() -> {
        reporting.countDown();
        while (!ao.isDone()) { // a worker reporting until the loop completes the operation
          ao.reportProgress(step);
        }
      });
      reporting.await();
      ao.execute(() -> ao.complete("v"));
      TestThreads.join(reporter);
      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
          .atMost(Duration.ofSeconds(10)).untilTrue(delivered);
      TestThreads.onLoop(ao.loop(), () -> {}); // after every report the worker made
      assertEquals(0, late.get(), "of " + heard.get() + " reports, heard after the outcome");
    }
  }

  @Test
  void aReportMadeBeforeACompletionByALoopDriverReachesTheListenerBeforeTheOutcome() {
    AoLoop loop = ctx.loops().get(0);
    OvertakingDriver driver = new OvertakingDriver(loop);
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    CountDownLatch hold = driver.holdLoop();
    Progress made = Progress.of("made before the completion");
    ao.reportProgress(made);
    driver.hand(ao);
    hold.countDown();
    r.awaitOne();
    TestThreads.onLoop(loop, () -> {}); // after the report's task
    assertEquals(List.of(made, r.outcomes.get(0)), r.events);
  }

  @Test
  void aDeliveryExecutorThatThrowsOtherThanARejectionStillGetsEveryOutcomeDelivered() {
    AoContext own = AoContext.builder().name("bad-executor").build();
    Executor broken = task -> {
      throw new IllegalStateException("executor bug");
    };
    Recorder<String> plain = new Recorder<>();
    own.begin(AoHow.callback(plain).deliverOn(broken)).complete("a");
    Recorder<String> withProgress = new Recorder<>();
    Ao<String> ao = own.begin(withProgress.how().deliverOn(broken));
    ao.reportProgress(Progress.of("one"));
    ao.complete("b");
    assertEquals("a", plain.awaitOne().value());
    assertEquals("b", withProgress.awaitOne().value());
    assertEquals(List.of(Progress.of("one"), withProgress.outcomes.get(0)), withProgress.events);
    assertTrue(own.close(Duration.ofSeconds(10)), "both operations ended, so close returns");
  }

  @Test
  void aDeliveryExecutorThatThrowsAnErrorStillGetsTheOutcomeDelivered() {
    AoContext own = AoContext.builder().name("error-executor").build();
    try {
      // a LinkageError is not fatal to asyncop (UserCode): the executor is broken, not the JVM
      Executor broken = task -> {
        throw new NoClassDefFoundError("a class of the executor failed to initialize");
      };
      Recorder<String> r = new Recorder<>();
      Ao<String> ao = own.begin(r.how().deliverOn(broken));
      ao.reportProgress(Progress.of("one"));
      ao.complete("a");
      assertEquals("a", r.awaitOne().value());
      assertEquals(List.of(Progress.of("one"), r.outcomes.get(0)), r.events);
    } finally {
      assertTrue(own.close(Duration.ofSeconds(10)), "the operation ended, so close returns");
    }
  }

  @Test
  void cancelRacingCompleteGivesExactlyOneOutcome() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 20_000; i++) {
        Recorder<String> r = new Recorder<>();
        Ao<String> ao = ctx.begin(r.how());
        AtomicBoolean hookRan = new AtomicBoolean();
        ao.onCancel(() -> hookRan.set(true));
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<Boolean> cancelled = CompletableFuture.supplyAsync(() -> {
          arrive(start);
          return ao.cancel();
        }, pool);
        CompletableFuture<Void> completed = CompletableFuture.runAsync(() -> {
          arrive(start);
          ao.complete("v");
        }, pool);
        completed.join();
        boolean won = cancelled.join();
        Outcome<String> o = r.awaitOne();
        assertEquals(Rc.OK, o.rc(), "the code completed OK; a late cancel does not change that");
        assertTrue(hookRan.get(), "completion cancels the hook if cancel did not");
        assertEquals(won, ao.isCancelRequested(), "cancel() says whether it requested");
      }
    } finally {
      pool.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ctx.liveOperations().isEmpty());
  }

  private static void arrive(CyclicBarrier b) {
    try {
      b.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void handleIsSafeBeforeDuringAfterCompletionAndAfterClose() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.onCancel(ao::cancelled);
    CancelHandle h = ao.handle();
    assertFalse(h.isDone());
    assertTrue(h.cancel());
    assertFalse(h.cancel());
    r.awaitOne();
    assertTrue(h.isDone());
    assertFalse(h.cancel());
    assertFalse(h.cancelNow());
    h.close();
    h.close();
    assertFalse(h.cancel());
    assertTrue(h.isDone());
  }

  @Test
  void handleWhileTheOutcomeWaitsForAResourceSaysDoneAndCancelsNothingMore() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    Registration child = ao.attach(() -> {}); // killed, not yet reaped
    CancelHandle h = ao.handle();
    ao.complete(null);
    assertTrue(h.isDone(), "done from the completing call on");
    assertFalse(h.cancel());
    h.close();
    assertFalse(h.cancelNow(), "closed");
    child.close();
    assertEquals(Rc.OK, r.awaitOne().rc());
  }

  @Test
  void futureResultCancelCancelsTheOperationAndOutcomeWaits() {
    AoHow<String> how = AoHow.future();
    Ao<String> ao = ctx.begin(how);
    CompletableFuture<Registration> hook = new CompletableFuture<>();
    Registration[] reg = new Registration[1];
    reg[0] = ao.attach(() -> hook.complete(reg[0]));
    assertTrue(how.result().cancel(false));
    assertTrue(ao.isCancelRequested());
    ao.cancelled();
    assertFalse(how.outcome().isDone(), "outcome waits for the resource");
    hook.join().close();
    assertEquals(Rc.CANCEL, how.outcome().join().rc());
  }

  @Test
  void futureValueArrivingAfterTheCallerCancelledGoesToOnDropped() {
    CompletableFuture<String> dropped = new CompletableFuture<>();
    AoHow<String> how = AoHow.<String>future().onDropped(dropped::complete);
    Ao<String> ao = ctx.begin(how);
    how.result().cancel(true);
    ao.complete("a resource to release"); // its work had already finished: OK
    assertEquals("a resource to release", dropped.join());
    assertEquals(Rc.OK, how.outcome().join().rc());
    assertTrue(how.result().isCancelled());
  }

  @Test
  void anOnDroppedThatThrowsStillLetsOutcomeComplete() {
    AoHow<String> how = AoHow.<String>future().onDropped(v -> {
      throw new IllegalStateException("release bug");
    });
    Ao<String> ao = ctx.begin(how);
    how.result().cancel(true);
    ao.complete("a resource to release");
    Outcome<String> o = how.outcome().orTimeout(10, TimeUnit.SECONDS).join();
    assertEquals(Rc.OK, o.rc());
  }

  @Test
  void futureFailAndCancelComplete() {
    AoHow<String> failing = AoHow.future();
    ctx.begin(failing).fail(new IllegalStateException("x"));
    assertEquals(Rc.FAIL, failing.outcome().join().rc());
    assertTrue(failing.result().isCompletedExceptionally());

    AoHow<String> cancelling = AoHow.future();
    Ao<String> ao = ctx.begin(cancelling);
    ao.cancel(new TimeoutException("deadline"));
    ao.cancelled();
    CancellationException ce =
        assertThrows(CancellationException.class, () -> cancelling.result().join());
    // JDK 23+ join() wraps the future's own CancellationException in a new one: look down the chain
    Throwable reason = ce.getCause();
    while (reason instanceof CancellationException && reason.getCause() != null) {
      reason = reason.getCause();
    }
    assertInstanceOf(TimeoutException.class, reason);
    assertNull(cancelling.outcome().join().value());
  }

  @Test
  void cancelledCanKeepAValueForTheCaller() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    ao.cancel();
    ao.cancelled("domain 7, kept");
    Outcome<String> o = r.awaitOne();
    assertEquals(Rc.CANCEL, o.rc());
    assertEquals("domain 7, kept", o.value());
    assertInstanceOf(CancellationException.class, o.failure());

    CompletableFuture<String> dropped = new CompletableFuture<>();
    AoHow<String> how = AoHow.<String>future().onDropped(dropped::complete);
    ctx.begin(how).cancelled("kept resource");
    assertEquals("kept resource", dropped.join(), "a future cannot carry it: onDropped gets it");
    assertTrue(how.result().isCancelled());
  }

  @Test
  void anAoHowServesOneOperation() {
    AoHow<String> how = AoHow.callback(o -> {});
    ctx.begin(how).complete(null);
    assertThrows(IllegalStateException.class, () -> ctx.begin(how));
    assertThrows(IllegalStateException.class, () -> AoHow.<String>callback(o -> {}).result());
  }
}
