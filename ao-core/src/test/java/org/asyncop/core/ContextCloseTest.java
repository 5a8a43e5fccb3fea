package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Behaviour 6 of the core: graceful close, holds, services, escalation. */
class ContextCloseTest {

  private static List<Thread> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
        .toList();
  }

  @Test
  void closeCancelsInFlightWaitsForThemAndLeavesNoThread() {
    AoContext ctx = AoContext.builder().name("close-a").loops(2).build();
    List<Recorder<Void>> rs = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 100; i++) {
      Recorder<Void> r = new Recorder<>();
      rs.add(r);
      Ao<Void> ao = ctx.begin(r.how());
      ao.onCancel(ao::cancelled);
    }
    assertEquals(2, threadsNamed("close-a-loop").size());
    ctx.close();
    for (Recorder<Void> r : rs) {
      assertEquals(Rc.CANCEL, r.awaitOne().rc());
    }
    assertTrue(threadsNamed("close-a-loop").isEmpty(), "loop threads alive after close");
    assertThrows(IllegalStateException.class, () -> ctx.begin(AoHow.callback(o -> {})));
    assertThrows(IllegalStateException.class, ctx::hold);
    ctx.close(); // idempotent
  }

  @Test
  void createMakesOneLoopNamedAsyncop() {
    AoContext ctx = AoContext.create();
    assertEquals("asyncop", ctx.name());
    assertEquals(1, ctx.loops().size());
    CompletableFuture<String> thread = new CompletableFuture<>();
    ctx.loops().get(0).execute(() -> thread.complete(Thread.currentThread().getName()));
    assertEquals("asyncop-loop-0", thread.join());
    ctx.close();
    assertTrue(threadsNamed("asyncop-loop").isEmpty());
  }

  @Test
  void closeWithNothingInFlightEndsTheLoopsByThemselves() {
    AoContext ctx = AoContext.builder().name("close-idle").build();
    ctx.closeAsync().toCompletableFuture().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("close-idle-loop").isEmpty());
  }

  @Test
  void closeWaitsForHoldsAndTellsThemToPrepare() {
    AoContext ctx = AoContext.builder().name("close-hold").build();
    CompletableFuture<Void> told = new CompletableFuture<>();
    Hold hold = ctx.hold(() -> told.complete(null));
    CompletableFuture<Void> closed = ctx.closeAsync().toCompletableFuture();
    told.join();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
        .until(() -> !closed.isDone());
    hold.close();
    closed.join();
  }

  @Test
  void closeWaitsForServicesAfterTheOperations() {
    AoContext ctx = AoContext.builder().name("close-svc").build();
    List<String> events = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> released = new CompletableFuture<>();
    class Svc implements ContextService {
      @Override
      public void closeBegun() {
        events.add("closeBegun");
      }

      @Override
      public CompletableFuture<?> terminated() {
        events.add("terminated asked");
        return released;
      }
    }
    Svc svc = ctx.service(Svc.class, c -> new Svc());
    assertEquals(svc, ctx.service(Svc.class, c -> new Svc()), "one per context, by type");
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.onCancel(() -> {
      events.add("op cancelled");
      ao.cancelled();
    });
    CompletableFuture<Void> closed = ctx.closeAsync().toCompletableFuture();
    await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("terminated asked"));
    assertEquals(List.of("closeBegun", "op cancelled", "terminated asked"), events);
    assertFalse(closed.isDone());
    released.complete(null);
    closed.join();
    assertThrows(IllegalStateException.class, () -> ctx.service(Svc2.class, c -> new Svc2()),
        "no service can attach to a stopped context");
  }

  @Test
  void noServiceAttachesOnceTheCloseWaitsForServicesThoughTheLoopsStillRun() {
    AoContext ctx = AoContext.builder().name("close-sealed").build();
    CompletableFuture<Void> released = new CompletableFuture<>();
    CountDownLatch asked = new CountDownLatch(1);
    final class Slow implements ContextService {
      @Override
      public CompletionStage<?> terminated() {
        asked.countDown();
        return released;
      }
    }
    Early early = ctx.service(Early.class, c -> new Early());
    ctx.service(Slow.class, c -> new Slow());
    CompletableFuture<Void> closed = ctx.closeAsync().toCompletableFuture();
    await().atMost(Duration.ofSeconds(10)).until(() -> asked.getCount() == 0);
    CompletableFuture<String> ran = new CompletableFuture<>();
    ctx.loops().get(0).execute(() -> ran.complete("ran"));
    assertEquals("ran", ran.orTimeout(10, TimeUnit.SECONDS).join(), "the loop still runs");
    assertThrows(IllegalStateException.class, () -> ctx.service(Svc2.class, c -> new Svc2()),
        "a service attached now would not be waited for");
    assertEquals(early, ctx.service(Early.class, c -> new Early()), "attached earlier");
    released.complete(null);
    closed.orTimeout(10, TimeUnit.SECONDS).join();
  }

  static final class Early implements ContextService {}

  static final class Svc2 implements ContextService {}

  @Test
  void closeOnOwnLoopThrowsAndCloseAsyncWorksThere() {
    AoContext ctx = AoContext.builder().name("close-self").build();
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    CompletableFuture<Void> closedFromLoop = new CompletableFuture<>();
    ctx.loops().get(0).execute(() -> {
      try {
        ctx.close();
        thrown.complete(null);
      } catch (Throwable t) {
        thrown.complete(t);
      }
      ctx.closeAsync().thenRun(() -> closedFromLoop.complete(null));
    });
    assertInstanceOf(IllegalStateException.class, thrown.join());
    closedFromLoop.join();
    ctx.close();
  }

  @Test
  void liveOperationsNamesAnOperationWhoseOutcomeIsBeingHandedOverCompleted() throws Exception {
    AoContext ctx = AoContext.builder().name("live-completed").build();
    try {
      Recorder<String> rec = new Recorder<>();
      CompletableFuture<List<AoInfo>> live = new CompletableFuture<>();
      // the delivery waits for the report made before the completion; the listener asks then
      Ao<String> ao = ctx.begin(rec.how().named("handing over")
          .onProgress(p -> live.complete(ctx.liveOperations())));
      CountDownLatch go = new CountDownLatch(1);
      ctx.loops().get(0).execute(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ao.complete("v"); // on the loop, nothing registered: released at once
      });
      ao.reportProgress(Progress.of("working")); // queued behind the completing task
      go.countDown();
      assertEquals("v", rec.awaitOne().value());
      List<AoInfo> infos = live.join();
      assertEquals(1, infos.size());
      assertEquals("handing over", infos.get(0).name());
      assertEquals("COMPLETED", infos.get(0).state());
      assertEquals(0, infos.get(0).pendingRegistrations());
    } finally {
      ctx.close();
    }
  }

  @Test
  void anInterruptedCallerOfCloseWithTimeoutStillWaitsUpToTheBoundBeforeForcing() {
    AoContext ctx = AoContext.builder().name("close-interrupted").build();
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how().named("cleaning"));
    // its cleanup survives a plain cancel and ends when this test says, once close is waiting
    Ao<Void> cleanup = ao.nestShielded("cleanup", o -> ao.cancelled());
    Thread closer = Thread.currentThread();
    AtomicBoolean returned = new AtomicBoolean();
    Thread cleaner = TestThreads.start(() -> {
      await().atMost(Duration.ofSeconds(10)).until(
          () -> closer.getState() == Thread.State.TIMED_WAITING || returned.get());
      cleanup.execute(() -> cleanup.complete(null));
    });
    closer.interrupt(); // say a task of a pool being shut down closes the context on its way out
    boolean closed;
    try {
      closed = ctx.close(Duration.ofSeconds(30));
    } finally {
      returned.set(true);
    }
    assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
    TestThreads.join(cleaner);
    assertTrue(closed, "the cleanup ended within the bound");
    assertFalse(cleanup.isCancelNowRequested(), "so it was not forced");
    assertEquals(List.of(), r.awaitOne().abandoned());
  }

  @Test
  void closeWithTimeoutForcesThenReportsWhatIsStillAlive() {
    AoContext ctx = AoContext.builder().name("close-stuck").build();
    Recorder<Void> polite = new Recorder<>();
    Ao<Void> a = ctx.begin(polite.how().named("polite"));
    // ignores a plain cancel, ends on a forced one
    Ao<Void> cleanup = a.nestShielded("slow cleanup", o -> a.cancelled());
    cleanup.onCancel(cleanup::cancelled);

    Recorder<Void> stuck = new Recorder<>();
    Ao<Void> b = ctx.begin(stuck.how().named("stuck"));
    Registration[] never = new Registration[1];
    never[0] = b.attach(() -> {}); // a resource that is never released
    b.onCancel(b::cancelled);

    assertFalse(ctx.close(Duration.ofMillis(100)));
    assertEquals(Rc.CANCEL, polite.awaitOne().rc());
    assertEquals(List.of("slow cleanup"), polite.awaitOne().abandoned());
    List<AoInfo> live = ctx.liveOperations();
    assertEquals(1, live.size());
    assertEquals("stuck", live.get(0).name());
    assertEquals("COMPLETING", live.get(0).state());
    assertEquals(1, live.get(0).pendingRegistrations());
    assertTrue(ctx.isClosing());
    never[0].close(); // the last operation ends: the loops stop by themselves
    assertEquals(Rc.CANCEL, stuck.awaitOne().rc());
    await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("close-stuck-loop").isEmpty());
    assertTrue(ctx.close(Duration.ZERO));
  }

  @Test
  void closeWithADurationTooLongForNanosWaitsInsteadOfThrowing() {
    AoContext ctx = AoContext.builder().name("close-forever").build();
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.onCancel(ao::cancelled);
    assertTrue(ctx.close(ChronoUnit.FOREVER.getDuration()));
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
    assertTrue(threadsNamed("close-forever-loop").isEmpty());
  }

  @Test
  void registeringOnAnEndedOperationAfterTheContextStoppedThrows_ratherThanDropTheHook() {
    AoContext ctx = AoContext.builder().name("close-late").build();
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.complete(null);
    r.awaitOne();
    ctx.close();
    // a hook or child registered now would be cancelled at once, but no loop is left to run it
    List<String> ran = new CopyOnWriteArrayList<>();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> ao.onCancel(() -> ran.add("hook")));
    assertTrue(e.getMessage().contains("close-late"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> ao.attach(() -> ran.add("attached")));
    assertThrows(IllegalStateException.class, () -> ao.nest(o -> ran.add("nested")));
    assertThrows(IllegalStateException.class, () -> ao.nestShielded("late", o -> ran.add("s")));
    assertEquals(List.of(), ran);
  }

  @Test
  void aServiceCreatedAfterCloseBeganIsToldOnTheCreatingThreadInsideService() {
    AoContext ctx = AoContext.builder().name("close-late-svc").build();
    Hold hold = ctx.hold(); // keeps the close from reaching its services' phase
    CompletionStage<Void> closed = ctx.closeAsync();
    List<Thread> toldOn = new CopyOnWriteArrayList<>();
    final class Late implements ContextService {
      @Override
      public void closeBegun() {
        toldOn.add(Thread.currentThread());
      }
    }
    Thread creator = new Thread(() -> ctx.service(Late.class, c -> new Late()));
    creator.start();
    TestThreads.join(creator);
    assertEquals(List.of(creator), toldOn, "told once, by service(), on the creating thread");
    hold.close();
    closed.toCompletableFuture().join();
    assertEquals(1, toldOn.size());
  }

  @Test
  void aServiceCreatedAsCloseBeginsHearsCloseBegunBeforeTerminated() throws Exception {
    ContextImpl ctx = new ContextImpl(AoContext.builder().name("close-svc"), false);
    Thread closer = Thread.currentThread();
    ctx.closeAsync(); // nothing is live: its services' phase comes as soon as its loop runs
    List<String> heard = new CopyOnWriteArrayList<>();
    CountDownLatch telling = new CountDownLatch(1);
    // attached after close began, so told at once; it stays in closeBegun() until the close
    // either asked for terminated() or waits for that call to return
    final class Late implements ContextService {
      @Override
      public void closeBegun() {
        telling.countDown();
        await().atMost(Duration.ofSeconds(10)).until(
            () -> heard.contains("terminated") || closer.getState() == Thread.State.BLOCKED);
        heard.add("closeBegun returned");
      }

      @Override
      public CompletionStage<?> terminated() {
        heard.add("terminated");
        return ContextService.super.terminated();
      }
    }
    Thread user = new Thread(() -> ctx.service(Late.class, c -> new Late()));
    user.start();
    assertTrue(telling.await(10, TimeUnit.SECONDS));
    ctx.loop(0).runPending(); // the close reaches its services' phase
    user.join(10_000);
    assertEquals(List.of("closeBegun returned", "terminated"), heard);
  }

  @Test
  void executeOnAnOperationAfterTheContextStoppedDropsTheTaskAndLogsIt() {
    AoContext ctx = AoContext.builder().name("close-exec").build();
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.complete(null);
    r.awaitOne();
    ctx.close();
    Logger log = Logger.getLogger("org.asyncop");
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord rec) {
        warnings.add(rec.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    List<String> ran = new CopyOnWriteArrayList<>();
    try {
      ao.execute(() -> ran.add("late task")); // a resource handing a result back too late
    } finally {
      log.removeHandler(h);
    }
    assertEquals(1, warnings.size(), warnings::toString);
    assertTrue(warnings.get(0).contains("task dropped"), warnings.get(0));
    assertTrue(threadsNamed("close-exec-loop").isEmpty(), "no loop is left to run it");
    assertEquals(List.of(), ran);
  }

  @Test
  void liveOperationsOfAClosedContextIsEmptyWithoutAskingItsStoppedLoops() {
    AoContext ctx = AoContext.builder().name("close-list").loops(2).build();
    ctx.close();
    Logger log = Logger.getLogger("org.asyncop");
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        warnings.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    try {
      assertEquals(List.of(), ctx.liveOperations());
    } finally {
      log.removeHandler(h);
    }
    assertEquals(List.of(), warnings, "a stopped loop has nothing live; it is not a stuck loop");
  }

  @Test
  void beginRacingCloseEitherThrowsOrEndsWithOneOutcome() throws Exception {
    for (int round = 0; round < 200; round++) {
      AoContext ctx = AoContext.builder().name("race").loops(2).build();
      AtomicInteger begun = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      AtomicInteger outcomes = new AtomicInteger();
      Thread[] ts = new Thread[2];
      for (int t = 0; t < ts.length; t++) {
        ts[t] = new Thread(() -> {
          for (int i = 0; i < 200; i++) {
            try {
              Ao<Void> ao = ctx.begin(AoHow.callback(o -> outcomes.incrementAndGet()));
              ao.onCancel(ao::cancelled);
              begun.incrementAndGet();
            } catch (IllegalStateException e) {
              refused.incrementAndGet();
            }
          }
        });
        ts[t].start();
      }
      ctx.close();
      for (Thread t : ts) {
        t.join();
      }
      assertEquals(400, begun.get() + refused.get());
      assertEquals(begun.get(), outcomes.get(), "round " + round);
    }
    assertTrue(threadsNamed("race-loop").isEmpty());
  }
}
