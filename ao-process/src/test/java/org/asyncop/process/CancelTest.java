package org.asyncop.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancel, completion and close reach the child and everything in its group. */
class CancelTest {
  private AoContext ctx;
  private ChildProcesses procs;

  @TempDir Path tmp;

  @BeforeEach
  void setUp() {
    ctx = AoContext.builder().name("cancel-test").build();
    procs = ChildProcesses.of(ctx);
  }

  @AfterEach
  void tearDown() {
    ctx.close();
  }

  @Test
  void cancelKillsASleepWithSigkillAndReportsCancel() {
    Procs.Op op = new Procs.Op(ctx, procs, ProcessSpec.of("sleep", "100"));
    int pid = op.child.pid();
    assertTrue(pid > 0);
    op.ao.cancel();
    ChildExit e = op.awaitExit();
    assertEquals(Rc.CANCEL, e.rc());
    assertEquals(OptionalInt.of(9), e.signal());
    assertFalse(op.presentAtExit, "reaped before the exit callback");
    Outcome<ChildExit> o = op.awaitOutcome();
    assertEquals(Rc.CANCEL, o.rc());
    assertFalse(op.presentAtOutcome, "reaped before the ao's outcome");
  }

  @Test
  void cancelKillsTheShellAndTheSleepItStartedInTheBackground() {
    Path gcFile = tmp.resolve("gc.pid");
    Procs.Op op = new Procs.Op(ctx, procs,
        ProcessSpec.of("sh", "-c", "sleep 100 & echo $! > " + gcFile + "; wait"));
    int grandchild = Procs.awaitPid(gcFile);
    assertFalse(Procs.dead(grandchild));
    op.ao.cancel();
    assertEquals(Rc.CANCEL, op.awaitExit().rc());
    // without the subreaper the grandchild is re-parented to PID 1, which reaps it (or, in a
    // container whose PID 1 does not reap, leaves its zombie): either way it is dead at once
    await().atMost(Procs.LIVENESS).until(() -> Procs.dead(grandchild));
  }

  @Test
  void sigtermThenSigkillAgainstAChildThatIgnoresSigterm() {
    Path ready = tmp.resolve("ready");
    Duration grace = Duration.ofMillis(300);
    Procs.Op op = new Procs.Op(ctx, procs, ProcessSpec.builder()
        .command("sh", "-c", "trap '' TERM; echo $$ > " + ready + "; while :; do sleep 0.05; done")
        .killPolicy(KillPolicy.termThenKill(grace))
        .build());
    Procs.awaitPid(ready);
    op.ao.cancel();
    ChildExit e = op.awaitExit();
    assertEquals(Rc.CANCEL, e.rc());
    assertEquals(OptionalInt.of(9), e.signal(), "SIGTERM was ignored, so SIGKILL ended it");
    assertTrue(e.wallTime().compareTo(grace) >= 0, "killed before the grace ran out: " + e);
  }

  @Test
  void aForcedCancelCutsTheGraceShortWithSigkill() {
    Path ready = tmp.resolve("ready");
    Procs.Op op = new Procs.Op(ctx, procs, ProcessSpec.builder()
        .command("sh", "-c", "trap '' TERM; echo $$ > " + ready + "; while :; do sleep 0.05; done")
        .killPolicy(KillPolicy.termThenKill(Duration.ofMinutes(10)))
        .build());
    Procs.awaitPid(ready);
    op.ao.cancel();
    op.ao.cancelNow(); // within the liveness bound, far below the ten-minute grace
    ChildExit e = op.awaitExit();
    assertEquals(Rc.CANCEL, e.rc());
    assertEquals(OptionalInt.of(9), e.signal());
    Outcome<ChildExit> o = op.awaitOutcome();
    assertEquals(Rc.CANCEL, o.rc());
    assertEquals(1, o.abandoned().size(), "the grace is named as cut short: " + o);
  }

  @Test
  void sigtermThatTheChildHonoursEndsItBeforeTheGrace() {
    Path ready = tmp.resolve("ready");
    Procs.Op op = new Procs.Op(ctx, procs, ProcessSpec.builder()
        .command("sh", "-c", "trap 'exit 7' TERM; echo $$ > " + ready + "; while :; do sleep 0.05; done")
        .killPolicy(KillPolicy.termThenKill(Duration.ofSeconds(60)))
        .build());
    Procs.awaitPid(ready);
    op.ao.cancel();
    ChildExit e = op.awaitExit();
    assertEquals(Rc.CANCEL, e.rc());
    assertEquals(OptionalInt.of(7), e.exitCode(), "the trap ran: SIGTERM, no SIGKILL");
  }

  @Test
  void aGraceOfForeverIsASigtermThatNoTimerEscalates() {
    // ChronoUnit.FOREVER has more nanoseconds than a long holds: the spawn threw
    // ArithmeticException after posix_spawn, the child was never registered and the ao never ended
    AoContext own = AoContext.builder().name("forever").build();
    try {
      Procs.Op op = new Procs.Op(own, ChildProcesses.of(own), ProcessSpec.builder()
          .command("sleep", "100")
          .killPolicy(KillPolicy.termThenKill(ChronoUnit.FOREVER.getDuration()))
          .build());
      op.ao.cancel();
      ChildExit e = op.awaitExit();
      assertEquals(Rc.CANCEL, e.rc());
      assertEquals(OptionalInt.of(15), e.signal(), "sleep dies of the SIGTERM");
      assertEquals(Rc.CANCEL, op.awaitOutcome().rc());
    } finally {
      assertTrue(own.close(Duration.ofSeconds(5)));
    }
  }

  @Test
  void anAoThatCompletesWithItsChildRunningKillsIt() {
    CompletableFuture<ChildExit> exit = new CompletableFuture<>();
    CompletableFuture<Outcome<String>> outcome = new CompletableFuture<>();
    Ao<String> ao = ctx.begin(AoHow.<String>callback(o -> {
      assertTrue(exit.isDone(), "the child's exit comes before the ao's outcome");
      outcome.complete(o);
    }));
    Child c = procs.spawn(ao, ProcessSpec.of("sleep", "100"), exit::complete);
    ao.complete("done early");
    ChildExit e = exit.orTimeout(20, TimeUnit.SECONDS).join();
    assertEquals(Rc.CANCEL, e.rc());
    assertEquals(OptionalInt.of(9), e.signal());
    assertEquals("done early", outcome.orTimeout(20, TimeUnit.SECONDS).join().value());
    assertFalse(Procs.exists(c.pid()));
  }

  @Test
  void spawnOnACancelledAoStartsNothing() {
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> { }));
    ao.cancel();
    CompletableFuture<ChildExit> exit = new CompletableFuture<>();
    Child c = procs.spawn(ao, ProcessSpec.of("sleep", "100"), exit::complete);
    assertEquals(-1, c.pid());
    ChildExit e = exit.orTimeout(20, TimeUnit.SECONDS).join();
    assertEquals(Rc.CANCEL, e.rc());
    assertTrue(e.failure() instanceof CancellationException);
    ao.cancelled();
  }

  /**
   * Close tells the services before the loops cancel their operations: a spawn in between finds
   * the reaper stopped while its ao is not yet cancelled. The loop is held so that moment lasts.
   */
  @Test
  void aSpawnThatFindsTheReaperStoppedLeavesNoDescriptor() throws Exception {
    AoContext own = AoContext.builder().name("stopped").build();
    ChildProcesses p = ChildProcesses.of(own);
    Ao<Void> ao = own.begin(AoHow.callback(o -> { }));
    CompletableFuture<ChildExit> first = new CompletableFuture<>();
    p.spawn(ao, ProcessSpec.of("true"), first::complete); // loads what a spawn needs
    first.orTimeout(20, TimeUnit.SECONDS).join();
    CountDownLatch hold = new CountDownLatch(1);
    ao.execute(() -> {
      try {
        hold.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    own.closeAsync();
    // the reaper stops once close began and no child is left (terminated() is the close's call)
    await().atMost(Duration.ofSeconds(20)).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("stopped-reaper")));
    int fdsBefore = Procs.ownFdCount();
    CompletableFuture<ChildExit> exit = new CompletableFuture<>();
    Child c = p.spawn(ao, ProcessSpec.builder().command("cat")
        .stdin(Stdin.of("x")).stdout(Output.file(tmp.resolve("out"))).build(), exit::complete);
    hold.countDown();
    assertEquals(-1, c.pid());
    assertEquals(Rc.CANCEL, exit.orTimeout(20, TimeUnit.SECONDS).join().rc());
    ao.cancelled();
    own.closeAsync().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Procs.assertNoFdsLeft(fdsBefore);
  }

  @Test
  void aSpawnOnAnEndedOperationAfterTheContextStoppedThrows_ratherThanNeverReport() {
    AoContext own = AoContext.builder().name("gone").build();
    ChildProcesses p = ChildProcesses.of(own);
    Ao<Void> ao = own.begin(AoHow.callback(o -> { }));
    ao.complete(null);
    own.close();
    // nothing is started for an ended ao; its CANCEL exit can no longer reach the stopped loop
    CompletableFuture<ChildExit> exit = new CompletableFuture<>();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> p.spawn(ao, ProcessSpec.of("true"), exit::complete));
    assertTrue(e.getMessage().contains("gone"), e.getMessage());
    assertFalse(exit.isDone());
  }

  @Test
  void contextCloseKillsAndReapsEveryChildAndEndsTheReaper() {
    AoContext own = AoContext.builder().name("closing").build();
    ChildProcesses p = ChildProcesses.of(own);
    Procs.Op a = new Procs.Op(own, p, ProcessSpec.of("sleep", "100"));
    Procs.Op b = new Procs.Op(own, p, ProcessSpec.builder()
        .command("sleep", "100").killPolicy(KillPolicy.termThenKill(Duration.ofSeconds(5))).build());
    own.close();
    assertTrue(a.exit.isDone() && b.exit.isDone(), "close returned before the exits");
    assertEquals(Rc.CANCEL, a.exit.join().rc());
    assertEquals(Rc.CANCEL, b.exit.join().rc());
    assertEquals(OptionalInt.of(15), b.exit.join().signal(), "sleep dies of the SIGTERM");
    assertFalse(Procs.exists(a.child.pid()));
    assertFalse(Procs.exists(b.child.pid()));
    await().atMost(Procs.LIVENESS).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("closing-")));
  }

  @Test
  void badArgumentsThrowAtTheCall() {
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> { }));
    ProcessSpec spec = ProcessSpec.of("true");
    assertThrows(NullPointerException.class, () -> procs.spawn(null, spec, e -> { }));
    assertThrows(NullPointerException.class, () -> procs.spawn(ao, null, e -> { }));
    assertThrows(NullPointerException.class, () -> procs.spawn(ao, spec, null));
    assertThrows(NullPointerException.class, () -> ChildProcesses.of(null));
    assertThrows(IllegalArgumentException.class, () -> ProcessSpec.of());
    assertThrows(IllegalArgumentException.class, () -> ProcessSpec.of(""));
    assertThrows(NullPointerException.class, () -> ProcessSpec.of("a", null));
    assertThrows(NullPointerException.class, () -> ProcessSpec.of((String[]) null));
    assertThrows(IllegalStateException.class, () -> ProcessSpec.builder().build());
    assertThrows(IllegalArgumentException.class, () -> ProcessSpec.builder().env("A=B", "c"));
    assertThrows(IllegalArgumentException.class, () -> Output.capture(0));
    assertThrows(IllegalArgumentException.class, () -> KillPolicy.termThenKill(Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> ProcessSpec.builder().outputWait(Duration.ofMillis(-1)));
    String msg = assertThrows(NullPointerException.class, () -> procs.spawn(ao, spec, null))
        .getMessage();
    assertEquals("onExit", msg);
    try (AoContext other = AoContext.create()) {
      Ao<Void> foreign = other.begin(AoHow.callback(o -> { }));
      assertThrows(IllegalArgumentException.class, () -> procs.spawn(foreign, spec, e -> { }));
      foreign.complete(null);
    }
    ao.complete(null);
  }
}
