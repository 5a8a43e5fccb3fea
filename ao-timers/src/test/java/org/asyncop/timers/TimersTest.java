package org.asyncop.timers;

import static org.asyncop.timers.Loops.onLoop;
import static org.asyncop.timers.Loops.threadOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.AoInfo;
import org.asyncop.core.LoopDriver;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a user of the timers sees, on a real context with real loops. */
class TimersTest {
  private static final Duration LONG = Duration.ofSeconds(30);

  private final AtomicLong fakeNow = new AtomicLong(1_000_000_000L);
  private AoContext ctx = AoContext.create();

  @AfterEach
  void close() {
    ctx.close();
  }

  /** An operation that ends itself with CANCEL when cancelled, as workflow code would. */
  private <T> Ao<T> begin(CompletableFuture<Outcome<T>> outcome) {
    Ao<T> ao = ctx.begin(AoHow.callback(outcome::complete));
    ao.onCancel(() -> {
      if (!ao.isDone()) {
        ao.cancelled();
      }
    });
    return ao;
  }

  private Ao<Void> begin() {
    return begin(new CompletableFuture<>());
  }

  /** Hooks on the live operations, besides the one each has from {@link #begin}. */
  private int hooks() {
    List<AoInfo> live = ctx.liveOperations();
    return live.stream().mapToInt(AoInfo::pendingRegistrations).sum() - live.size();
  }

  private int pending() {
    return ((TimersService) Timers.of(ctx)).pending().join();
  }

  /** Switches to a context whose clock only moves when the test says so. */
  private void useFakeClock() {
    ctx.close();
    ctx = AoContext.builder().ticker(fakeNow::get).build();
  }

  /**
   * Waits until the loop has polled its wheel since now: a timer set on the loop before this
   * call then has its deadline, stamped with the clock of that poll (see {@link Timers}). A
   * zero-delay timer set from this thread fires in such a poll.
   */
  private void awaitStamp(Ao<?> ao) {
    Calls polled = new Calls();
    Timers.of(ctx).sleep(ao, Duration.ZERO, polled);
    polled.awaitCount(1);
  }

  private void advance(Duration d) {
    fakeNow.addAndGet(d.toNanos());
    ctx.loops().get(0).wakeup();
  }

  @Test
  void timeoutFailsOnTheLoopWhenTimeRunsOutAndLeavesNoHook() {
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    Timers.of(ctx).timeout(ao, Duration.ofMillis(20), calls);
    calls.awaitOnly(Rc.FAIL, threadOf(ao));
    assertEquals(0, hooks());
    assertEquals(0, pending());
  }

  @Test
  void sleepGivesOkWhenMadeOnTheLoop() {
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    onLoop(ao, () -> Timers.of(ctx).sleep(ao, Duration.ofMillis(5), calls));
    calls.awaitOnly(Rc.OK, threadOf(ao));
    assertEquals(0, hooks());
  }

  @Test
  void aZeroDelayFiresAfterTheCallNotInsideIt() {
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    int duringCall = onLoop(ao, () -> {
      Timers.of(ctx).sleep(ao, Duration.ZERO, calls);
      return calls.rcs.size();
    });
    assertEquals(0, duringCall);
    calls.awaitOnly(Rc.OK, threadOf(ao));
  }

  @Test
  void cancelOfTheAoGivesCancelExactlyOnce() {
    Ao<Void> ao = begin();
    Calls timeout = new Calls();
    Calls sleep = new Calls();
    Timers.of(ctx).timeout(ao, LONG, timeout);
    Timers.of(ctx).sleep(ao, LONG, sleep);
    ao.cancel();
    Thread loop = threadOf(ao);
    timeout.awaitOnly(Rc.CANCEL, loop);
    sleep.awaitOnly(Rc.CANCEL, loop);
    assertEquals(0, pending());
    threadOf(ao);
    assertEquals(1, timeout.rcs.size());
  }

  @Test
  void completionOfTheAoGivesCancel() {
    CompletableFuture<Outcome<String>> outcome = new CompletableFuture<>();
    Ao<String> ao = begin(outcome);
    Calls calls = new Calls();
    Timers.of(ctx).timeout(ao, LONG, calls);
    ao.complete("done");
    calls.awaitOnly(Rc.CANCEL, threadOf(ao));
    assertEquals(Rc.OK, outcome.join().rc());
    assertEquals(0, pending());
  }

  @Test
  void closingTheRegistrationRemovesTimerAndHookAndCallsNothing() {
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    Registration r = Timers.of(ctx).timeout(ao, LONG, calls);
    await().atMost(Duration.ofSeconds(10)).until(() -> hooks() == 1);
    r.close();
    r.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> hooks() == 0);
    assertEquals(0, pending());
    ao.cancel();
    threadOf(ao); // one more loop turn: a stray CANCEL would have come by now
    assertEquals(List.of(), calls.rcs);
  }

  @Test
  void aTimerOnACancelledAoGetsCancelAtOnce() {
    Ao<Void> ao = begin();
    ao.cancel();
    Calls offLoop = new Calls();
    Calls inLoop = new Calls();
    Timers.of(ctx).timeout(ao, Duration.ofDays(10), offLoop);
    onLoop(ao, () -> Timers.of(ctx).sleep(ao, Duration.ofDays(10), inLoop));
    Thread loop = threadOf(ao);
    offLoop.awaitOnly(Rc.CANCEL, loop);
    inLoop.awaitOnly(Rc.CANCEL, loop);
    assertEquals(0, pending());
  }

  @Test
  void aTimerOnACompletedAoGetsCancelAtOnce() {
    Ao<Void> ao = begin();
    ao.complete(null);
    Calls calls = new Calls();
    Timers.of(ctx).timeout(ao, Duration.ofDays(10), calls);
    calls.awaitOnly(Rc.CANCEL, threadOf(ao));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTimeoutDueInThePollWhereAnEarlierTimerEndedItsAoGetsCancel(boolean completes) {
    // the loop polls late (busy, or a pause): a step's sleep and its timeout are both due; the
    // sleep fires first and its callback ends the operation, so the timeout must say CANCEL
    useFakeClock();
    Ao<Void> ao = begin();
    Calls timeout = new Calls();
    Calls every = new Calls();
    Timers.of(ctx).sleep(ao, Duration.ofMillis(10), rc -> {
      if (completes) {
        ao.complete(null);
      } else {
        ao.cancel();
      }
    });
    Timers.of(ctx).timeout(ao, Duration.ofMillis(20), timeout);
    Timers.of(ctx).every(ao, Duration.ofMillis(20), every);
    threadOf(ao); // all are armed
    advance(Duration.ofMillis(25));
    timeout.awaitOnly(Rc.CANCEL, threadOf(ao));
    every.awaitOnly(Rc.CANCEL, threadOf(ao));
    assertEquals(0, pending());
  }

  @Test
  void timersFireInDeadlineOrder() {
    useFakeClock();
    Ao<Void> ao = begin();
    List<Integer> order = new CopyOnWriteArrayList<>();
    onLoop(ao, () -> {
      for (int ms : new int[] {5, 1, 4, 2, 3, 9, 7}) {
        Timers.of(ctx).sleep(ao, Duration.ofMillis(ms), rc -> order.add(ms));
      }
    });
    awaitStamp(ao);
    advance(Duration.ofMillis(6)); // the wheel's resolution is about 0.26 ms
    await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 5);
    advance(Duration.ofMillis(6));
    await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 7);
    assertEquals(List.of(1, 2, 3, 4, 5, 7, 9), order);
  }

  @Test
  void aTimerSetOnTheLoopCountsFromNoEarlierThanTheCallAndNoLaterThanTheTasksEnd() {
    useFakeClock();
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    onLoop(ao, () -> {
      Timers.of(ctx).sleep(ao, Duration.ofMillis(20), calls); // at the call: t0
      advance(Duration.ofMillis(10)); // the task runs on for 10 ms
    });
    awaitStamp(ao);
    Calls sentinel = new Calls();
    Timers.of(ctx).sleep(ao, Duration.ofMillis(9), sentinel); // from this thread: due at t0 + 19
    advance(Duration.ofMillis(10).minusNanos(1)); // t0 + 20 ms - 1 ns
    sentinel.awaitCount(1); // the loop has polled since
    assertEquals(List.of(), calls.rcs, "fired before 20 ms had passed since the call");
    advance(Duration.ofMillis(11)); // t0 + 31 ms: the task's end + 20 ms + the resolution
    calls.awaitOnly(Rc.OK, threadOf(ao));
  }

  @Test
  void aTimerNeverFiresBeforeItIsDue() {
    useFakeClock();
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    Calls sentinel = new Calls();
    Timers.of(ctx).sleep(ao, Duration.ofMillis(10), calls);
    Timers.of(ctx).sleep(ao, Duration.ofMillis(8), sentinel);
    threadOf(ao); // both are armed
    advance(Duration.ofMillis(9));
    sentinel.awaitCount(1); // the loop has polled at 9 ms
    assertEquals(List.of(), calls.rcs);
    advance(Duration.ofMillis(2));
    calls.awaitOnly(Rc.OK, threadOf(ao));
  }

  @Test
  void everyFiresOkEachPeriodFromThePlannedTimeThenCancelOnce() {
    useFakeClock();
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    Calls sentinel = new Calls();
    Timers.of(ctx).every(ao, Duration.ofMillis(10), calls);
    Timers.of(ctx).sleep(ao, Duration.ofMillis(78), sentinel);
    threadOf(ao);
    advance(Duration.ofMillis(13)); // late by 3 ms: the next one is still due at 20 ms
    calls.awaitCount(1);
    advance(Duration.ofMillis(8)); // 21 ms
    calls.awaitCount(2);
    advance(Duration.ofMillis(55)); // 76 ms: 30 is late; 40..70 become one more call, not four
    calls.awaitCount(4);
    advance(Duration.ofMillis(3)); // 79 ms: 80 not yet due
    sentinel.awaitCount(1); // the loop has polled at 79 ms
    assertEquals(4, calls.rcs.size());
    advance(Duration.ofMillis(2)); // 81 ms: back on phase
    calls.awaitCount(5);
    ao.cancel();
    calls.awaitCount(6);
    advance(Duration.ofMillis(100));
    threadOf(ao);
    assertEquals(List.of(Rc.OK, Rc.OK, Rc.OK, Rc.OK, Rc.OK, Rc.CANCEL), calls.rcs);
    assertEquals(0, pending());
  }

  @Test
  void everyDoesNotDriftOverAThousandLatePeriods() throws InterruptedException {
    useFakeClock();
    Ao<Void> ao = begin();
    java.util.concurrent.Semaphore called = new java.util.concurrent.Semaphore(0);
    long start = fakeNow.get();
    Timers.of(ctx).every(ao, Duration.ofMillis(10), rc -> {
      if (rc == Rc.OK) {
        called.release();
      }
    });
    threadOf(ao);
    java.util.Random rnd = new java.util.Random(7);
    for (int k = 1; k <= 1_000; k++) {
      // each poll comes 0.3 to 3 ms late; scheduled from when it ran, period k would be due
      // ~1.6 s later than k * 10 ms by the end, and this call would not come
      fakeNow.set(start + TimeUnit.MILLISECONDS.toNanos(10L * k) + 300_000 + rnd.nextInt(2_700_000));
      ctx.loops().get(0).wakeup();
      assertTrue(called.tryAcquire(10, TimeUnit.SECONDS), "period " + k + " did not fire on time");
    }
    assertEquals(0, called.availablePermits());
  }

  @Test
  void everyStopsWithoutACallWhenClosedInsideItsCallback() {
    Ao<Void> ao = begin();
    List<Rc> calls = new CopyOnWriteArrayList<>();
    Registration[] r = new Registration[1];
    onLoop(ao, () -> {
      r[0] = Timers.of(ctx).every(ao, Duration.ofMillis(1), rc -> {
        calls.add(rc);
        r[0].close();
      });
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 1);
    assertEquals(0, pending());
    assertEquals(0, hooks());
    ao.cancel();
    threadOf(ao);
    assertEquals(List.of(Rc.OK), calls);
  }

  @Test
  void deadlineCancelsTheAoWithATimeoutException() {
    CompletableFuture<Outcome<Void>> outcome = new CompletableFuture<>();
    Ao<Void> ao = begin(outcome);
    Timers.of(ctx).deadline(ao, Duration.ofMillis(10));
    Outcome<Void> o = outcome.orTimeout(10, TimeUnit.SECONDS).join();
    assertEquals(Rc.CANCEL, o.rc());
    assertInstanceOf(TimeoutException.class, o.failure());
    assertTrue(o.failure().getMessage().contains("PT0.01S"), o.failure().getMessage());
  }

  @Test
  void deadlineIsRemovedWhenTheAoCompletes() {
    CompletableFuture<Outcome<String>> outcome = new CompletableFuture<>();
    Ao<String> ao = begin(outcome);
    Timers.of(ctx).deadline(ao, LONG);
    ao.complete("ok");
    assertEquals(Rc.OK, outcome.orTimeout(10, TimeUnit.SECONDS).join().rc());
    assertEquals(0, pending());
  }

  @Test
  void deadlineOnAShieldedChildBoundsTheCleanup() {
    CompletableFuture<Outcome<Void>> parentOutcome = new CompletableFuture<>();
    CompletableFuture<Outcome<Void>> childOutcome = new CompletableFuture<>();
    Ao<Void> parent = ctx.begin(AoHow.callback(parentOutcome::complete));
    Ao<Void> cleanup = onLoop(parent, () -> {
      Ao<Void> c = parent.nestShielded("cleanup", o -> {
        childOutcome.complete(o);
        parent.cancelled();
      });
      c.onCancel(c::cancelled); // the cleanup stops when cancelled
      Timers.of(ctx).deadline(c, Duration.ofMillis(20));
      return c;
    });
    parent.cancel(); // does not reach the shielded cleanup
    Outcome<Void> o = childOutcome.orTimeout(10, TimeUnit.SECONDS).join();
    assertEquals(Rc.CANCEL, o.rc());
    assertInstanceOf(TimeoutException.class, o.failure());
    assertTrue(cleanup.isDone());
    assertEquals(Rc.CANCEL, parentOutcome.orTimeout(10, TimeUnit.SECONDS).join().rc());
  }

  /** A LinkageError and a stack overflow too: the failure of the user code, not of the loop. */
  @ParameterizedTest
  @ValueSource(classes = {
      IllegalStateException.class, NoClassDefFoundError.class, StackOverflowError.class})
  void aCallbackThatThrowsDoesNotStopTheLoop(Class<? extends Throwable> thrown) throws Exception {
    Throwable t = thrown.getConstructor(String.class).newInstance("thrown on purpose by the test");
    Ao<Void> ao = begin();
    Timers.of(ctx).sleep(ao, Duration.ZERO, rc -> {
      if (t instanceof Error e) {
        throw e;
      }
      throw (RuntimeException) t;
    });
    Calls after = new Calls();
    Timers.of(ctx).sleep(ao, Duration.ofMillis(1), after);
    after.awaitOnly(Rc.OK, threadOf(ao));
  }

  @Test
  void aSleepOnTheRealClockEndsNotBeforeItsTimeAndPromptly() {
    Ao<Void> ao = begin();
    long[] firedAt = new long[1];
    long start = onLoop(ao, () -> {
      long t0 = System.nanoTime();
      Timers.of(ctx).sleep(ao, Duration.ofMillis(50), rc -> firedAt[0] = System.nanoTime());
      return t0;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(ao, () -> firedAt[0] != 0));
    long waited = onLoop(ao, () -> firedAt[0]) - start;
    assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(50), "fired after only " + waited + " ns");
  }

  @Test
  void eachTimerFiresOnItsOwnAosLoop() {
    ctx.close();
    ctx = AoContext.builder().loops(2).build();
    List<Ao<Void>> aos = new java.util.ArrayList<>();
    List<Calls> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // begun on a loop, an operation is bound to that loop: four on each
      CompletableFuture<Ao<Void>> made = new CompletableFuture<>();
      ctx.loops().get(i % 2).execute(() -> made.complete(begin()));
      Ao<Void> ao = made.orTimeout(10, TimeUnit.SECONDS).join();
      Calls c = new Calls();
      Timers.of(ctx).sleep(ao, Duration.ofMillis(i), c);
      aos.add(ao);
      calls.add(c);
    }
    for (int i = 0; i < 8; i++) {
      calls.get(i).awaitOnly(Rc.OK, threadOf(aos.get(i)));
    }
    assertEquals(2, aos.stream().map(Loops::threadOf).distinct().count(), "both loops used");
  }

  @Test
  void aTimerSetInTheCallbackOfADriverPolledBeforeTheWheelCountsFromTheCall() {
    useFakeClock();
    Ao<Void> ao = begin();
    Calls calls = new Calls();
    AtomicBoolean go = new AtomicBoolean();
    CompletableFuture<Void> set = new CompletableFuture<>();
    // another module's driver (a selector's, say), added before the wheel, so polled before it
    // in each pass: its callback runs 10 ms, then sets a timer, as a read handler sets a timeout
    onLoop(ao, () -> ao.loop().addDriver(now -> {
      if (go.compareAndSet(true, false)) {
        fakeNow.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
        Timers.of(ctx).sleep(ao, Duration.ofMillis(20), calls); // at the call: t0 + 10
        set.complete(null);
      }
      return LoopDriver.IDLE;
    }));
    awaitStamp(ao); // the wheel now exists, polled after that driver
    onLoop(ao, () -> go.set(true)); // t0
    set.orTimeout(10, TimeUnit.SECONDS).join();
    threadOf(ao); // a task after that pass: the wheel's poll in it is over, the timer stamped
    Calls sentinel = new Calls();
    Timers.of(ctx).sleep(ao, Duration.ofMillis(19), sentinel); // from this thread: due at t0 + 29
    advance(Duration.ofMillis(20).minusNanos(1)); // t0 + 30 ms - 1 ns
    sentinel.awaitCount(1); // the loop has polled since
    assertEquals(List.of(), calls.rcs, "fired before 20 ms had passed since the call");
    advance(Duration.ofMillis(1));
    calls.awaitOnly(Rc.OK, threadOf(ao));
  }

  @Test
  void aTimerSetInTheCallbackOfADriverPolledAfterTheWheelFiresWithoutAnotherWakeup() {
    Ao<Void> ao = begin();
    Thread loop = threadOf(ao);
    awaitStamp(ao); // the wheel is the loop's first driver
    Calls calls = new Calls();
    AtomicBoolean go = new AtomicBoolean();
    // another module's driver, polled after the wheel: the wheel has already said how long the
    // loop may wait (for ever: nothing is scheduled) when this callback sets a timer
    onLoop(ao, () -> ao.loop().addDriver(now -> {
      if (go.compareAndSet(true, false)) {
        Timers.of(ctx).sleep(ao, Duration.ofMillis(1), calls);
      }
      return LoopDriver.IDLE;
    }));
    onLoop(ao, () -> go.set(true));
    calls.awaitOnly(Rc.OK, loop); // nothing else will wake the loop: the timer must
  }

  @Test
  void aTimerSetFromAnotherThreadBeforeACompletionByALoopDriverEndsBeforeTheOutcome()
      throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> heard.add("outcome " + o.rc())));
    AtomicReference<Ao<Void>> handed = new AtomicReference<>();
    // another module's driver (a selector's readiness, say) that completes what it is handed
    onLoop(ao, () -> ao.loop().addDriver(now -> {
      Ao<Void> a = handed.getAndSet(null);
      if (a != null) {
        a.complete(null);
      }
      return LoopDriver.IDLE;
    }));
    CountDownLatch busy = new CountDownLatch(1);
    ao.execute(() -> {
      try {
        busy.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    for (int i = 0; i < 300; i++) { // more than a batch: the driver is polled before the set's task
      ao.execute(() -> {});
    }
    Timers.of(ctx).timeout(ao, LONG, rc -> heard.add("timer " + rc)); // from this thread
    handed.set(ao); // after timeout() returned: the work that set it has ended
    busy.countDown();
    await().atMost(LONG).until(() -> heard.size() == 2);
    assertEquals(List.of("timer CANCEL", "outcome OK"), heard,
        "the completion cancels the timer before the outcome is delivered");
    assertEquals(0, pending());
  }

  @Test
  void ofGivesTheSameTimersForTheSameContext() {
    assertSame(Timers.of(ctx), Timers.of(ctx));
  }
}
