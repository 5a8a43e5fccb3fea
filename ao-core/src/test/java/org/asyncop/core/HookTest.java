package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour 1 and 4 of the core: cancel hooks. */
class HookTest {
  private final AoContext ctx = AoContext.builder().name("hooks").build();

  @AfterEach
  void close() {
    ctx.close();
  }

  @Test
  void cancelRunsHooksLastPushedFirstExactlyOnceOnTheLoop() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    List<String> ran = new CopyOnWriteArrayList<>();
    List<Thread> on = new CopyOnWriteArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      ao.onCancel(() -> {
        ran.add(name);
        on.add(Thread.currentThread());
      });
    }
    ao.onCancel(ao::cancelled);
    assertTrue(ao.cancel());
    assertFalse(ao.cancel(), "a second cancel is not this call's");
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
    assertEquals(List.of("c", "b", "a"), ran);
    assertTrue(on.stream().allMatch(t -> t.getName().equals("hooks-loop-0")), on::toString);
  }

  @Test
  void hookPushedAfterCancelRunsPromptlyButNotInsideOnCancel() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.cancel();
    AtomicBoolean insideCall = new AtomicBoolean();
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean ranInside = new AtomicBoolean();
    TestThreads.onLoop(ctx.loops().get(0), () -> {
      insideCall.set(true);
      ao.onCancel(() -> {
        runs.incrementAndGet();
        ranInside.set(insideCall.get());
        ao.cancelled();
      });
      insideCall.set(false);
    });
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
    assertEquals(1, runs.get());
    assertFalse(ranInside.get(), "the hook ran inside the onCancel call");
  }

  @Test
  void hookPushedAfterCompletionIsCancelledAtOnce() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    ao.complete("done");
    r.awaitOne();
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    ao.onCancel(() -> ran.complete(Thread.currentThread()));
    assertEquals("hooks-loop-0", ran.join().getName());
    assertEquals(1, r.outcomes.size());
  }

  @Test
  void hookThatThrowsDoesNotStopTheOthersAndIsOnTheOutcome() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    AtomicInteger ran = new AtomicInteger();
    ao.onCancel(ao::cancelled);
    ao.onCancel(ran::incrementAndGet);
    IllegalStateException boom = new IllegalStateException("boom");
    ao.onCancel(() -> {
      throw boom;
    });
    ao.onCancel(ran::incrementAndGet);
    ao.cancel();
    Outcome<Void> o = r.awaitOne();
    assertEquals(2, ran.get());
    assertEquals(List.of(boom), o.hookErrors());
  }

  @Test
  void closedRegistrationNeverRuns() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    AtomicInteger ran = new AtomicInteger();
    Registration reg = ao.onCancel(ran::incrementAndGet);
    reg.close();
    reg.close(); // idempotent
    ao.onCancel(ao::cancelled);
    ao.cancel();
    r.awaitOne();
    assertEquals(0, ran.get());
  }

  @Test
  void completingWithHooksRegisteredCancelsThemLastFirstBeforeDelivery() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    List<String> ran = new CopyOnWriteArrayList<>();
    ao.onCancel(() -> ran.add("first"));
    ao.onCancel(() -> ran.add("second"));
    ao.complete("v");
    Outcome<String> o = r.awaitOne();
    assertEquals(Rc.OK, o.rc(), "completing early is legitimate: the outcome stays OK");
    assertEquals(List.of("second", "first"), ran);
    assertFalse(ao.isCancelRequested());
  }

  @Test
  void attachedResourceHoldsTheOutcomeUntilReleased() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    CompletableFuture<Registration> killed = new CompletableFuture<>();
    Registration[] child = new Registration[1];
    child[0] = ao.attach(() -> killed.complete(child[0])); // "SIGKILL sent; not reaped yet"
    ao.onCancel(ao::cancelled);
    ao.cancel();
    Registration reg = killed.join();
    assertTrue(ao.isDone());
    // the outcome waits for the "reap"; nothing else will release it
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
        .until(() -> r.outcomes.isEmpty());
    reg.close(); // "reaped"
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
  }

  @Test
  void aResourceAttachedBeforeACompletionByALoopDriverHoldsTheOutcomeBack() throws Exception {
    AoLoop loop = ctx.loops().get(0);
    OvertakingDriver driver = new OvertakingDriver(loop);
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    CountDownLatch busy = driver.holdLoop();
    CompletableFuture<Void> killed = new CompletableFuture<>();
    Registration child = ao.attach(() -> killed.complete(null)); // a child process, say
    driver.hand(ao); // after attach() returned: the work it started has ended
    busy.countDown();
    killed.get(10, TimeUnit.SECONDS); // the completion cancels the attached resource
    TestThreads.onLoop(loop, () -> {}); // the outcome would be on its way by now
    TestThreads.onLoop(loop, () -> {});
    assertEquals(List.of(), r.outcomes, "the outcome waits until the resource is released");
    child.close(); // "reaped"
    assertEquals("v", r.awaitOne().value());
  }

  @Test
  void aHookPushedFromAWorkerBeforeItHandsTheOperationToADriverRunsBeforeTheOutcome() {
    int ops = 20_000;
    AoLoop loop = ctx.loops().get(0);
    Queue<Ao<Integer>> handed = new ConcurrentLinkedQueue<>();
    TestThreads.onLoop(loop, () -> loop.addDriver(now -> { // completes what workers hand it
      Ao<Integer> a;
      while ((a = handed.poll()) != null) {
        a.complete(0);
      }
      return LoopDriver.IDLE;
    }));
    List<List<String>> heard = new ArrayList<>();
    AtomicInteger delivered = new AtomicInteger();
    List<Ao<Integer>> all = new ArrayList<>();
    for (int i = 0; i < ops; i++) {
      List<String> mine = new CopyOnWriteArrayList<>();
      heard.add(mine);
      all.add(ctx.begin(AoHow.<Integer>callback(o -> {
        mine.add("outcome");
        delivered.incrementAndGet();
      })));
    }
    Thread worker = TestThreads.start(() -> {
      for (int i = 0; i < ops; i++) {
        List<String> mine = heard.get(i);
        all.get(i).onCancel(() -> mine.add("hook")); // its resource, set up by this worker
        handed.add(all.get(i)); // then the worker's part is done
        loop.wakeup();
      }
    });
    TestThreads.join(worker);
    await().atMost(Duration.ofSeconds(30)).until(() -> delivered.get() == ops);
    TestThreads.onLoop(loop, () -> {}); // after hooks that came late, if any
    for (int i = 0; i < ops; i++) {
      assertEquals(List.of("hook", "outcome"), heard.get(i), "operation " + i);
    }
  }

  @Test
  void registrationsPushedWithoutPauseAfterTheCompletionDoNotKeepTheOutcomeWaiting() {
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ran = new AtomicInteger();
    CountDownLatch pushing = new CountDownLatch(1);
    Runnable push = () -> { // a thread that does not look at isDone()
      while (!stop.get()) {
        ao.onCancel(ran::incrementAndGet);
        pushing.countDown();
      }
    };
    Thread pusher = TestThreads.start(push);
    Thread pusher2 = TestThreads.start(push);
    Thread pusher3 = TestThreads.start(push);
    try {
      assertTrue(pushing.await(10, TimeUnit.SECONDS));
      ao.complete("v");
      assertEquals("v", r.awaitOne().value(), "delivered while the thread goes on pushing");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      stop.set(true);
      TestThreads.join(pusher, pusher2, pusher3);
    }
  }

  @Test
  void onCancelFromManyThreadsThenCancelRunsEveryLiveHookOnce() throws Exception {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    AtomicInteger ran = new AtomicInteger();
    AtomicInteger closedEarly = new AtomicInteger();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          Registration reg = ao.onCancel(ran::incrementAndGet);
          if (i % 2 == 0) {
            reg.close();
            closedEarly.incrementAndGet();
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    ao.onCancel(ao::cancelled);
    ao.cancel();
    r.awaitOne();
    assertEquals(40_000 - closedEarly.get(), ran.get());
  }

  @Test
  void tenMillionHooksPushedAndClosedOneAoAtATimeLeaveNothingBehind() {
    // each ao: 100 hooks pushed and closed on its loop; 100,000 aos -> 10 million hooks
    AtomicInteger delivered = new AtomicInteger();
    long before = usedHeapAfterGc();
    TestThreads.onLoop(ctx.loops().get(0), () -> {
      for (int a = 0; a < 100_000; a++) {
        Ao<Void> ao = ctx.begin(AoHow.callback(o -> delivered.incrementAndGet()));
        for (int h = 0; h < 100; h++) {
          ao.onCancel(() -> {}).close();
        }
        assertTrue(ao.toString().contains("hooks=0"), ao::toString);
        ao.complete(null);
      }
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> delivered.get() == 100_000);
    long growth = usedHeapAfterGc() - before;
    assertTrue(growth < 16 << 20, "heap grew by " + growth + " bytes");
    assertTrue(ctx.liveOperations().isEmpty());
  }

  @Test
  void oneAoWithAMillionHooksCancels() {
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    AtomicInteger ran = new AtomicInteger();
    TestThreads.onLoop(ctx.loops().get(0), () -> {
      ao.onCancel(ao::cancelled);
      for (int i = 0; i < 1_000_000; i++) {
        ao.onCancel(ran::incrementAndGet);
      }
    });
    ao.cancel();
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
    assertEquals(1_000_000, ran.get());
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
