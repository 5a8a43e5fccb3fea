package org.asyncop.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With this JVM a child subreaper, orphaned members of our groups become our children and are
 * reaped by us: none is left as a zombie, and no leader's status is taken from its own waiter.
 * (Process-wide and for good: the other tests of this JVM then run with it too, which they
 * tolerate.)
 */
class SubreaperTest {
  private AoContext ctx;
  private ChildProcesses procs;

  @TempDir Path tmp;

  @BeforeAll
  static void becomeSubreaper() {
    assertTrue(ChildProcesses.becomeSubreaper());
  }

  @BeforeEach
  void setUp() {
    ctx = AoContext.builder().name("subreaper-test").build();
    procs = ChildProcesses.of(ctx);
  }

  @AfterEach
  void tearDown() {
    ctx.close();
  }

  @Test
  void aCancelledShellsBackgroundSleepIsReapedBeforeTheExitIsReported() {
    Path gcFile = tmp.resolve("gc.pid");
    Procs.Op op = new Procs.Op(ctx, procs,
        ProcessSpec.of("sh", "-c", "sleep 100 & echo $! > " + gcFile + "; wait"));
    int grandchild = Procs.awaitPid(gcFile);
    op.ao.cancel();
    assertEquals(Rc.CANCEL, op.awaitExit().rc());
    assertFalse(Procs.exists(grandchild), "the grandchild is not gone (state "
        + Procs.state(grandchild) + ")");
  }

  @Test
  void aBackgroundProcessLeftByAChildThatExitedIsKilledAndReaped() {
    Path gcFile = tmp.resolve("gc.pid");
    Procs.Op op = new Procs.Op(ctx, procs,
        ProcessSpec.of("sh", "-c", "sleep 100 & echo $! > " + gcFile + "; exit 4"));
    ChildExit e = op.awaitExit();
    int grandchild = Procs.awaitPid(gcFile);
    assertEquals(Rc.FAIL, e.rc());
    assertEquals(OptionalInt.of(4), e.exitCode(), "the leader's own status, not a member's");
    assertFalse(Procs.exists(grandchild));
  }

  @Test
  void aCancelWithGraceAfterTheLeaderExitedKillsWhatItLeftInItsGroup() {
    Path gcFile = tmp.resolve("gc.pid");
    // the leader exits at once, leaving a member that ignores SIGTERM; with killGroupOnExit off
    // its reap waits (up to the output wait) for the group to empty, and the cancel comes then
    Procs.Op op = new Procs.Op(ctx, procs, ProcessSpec.builder()
        .command("sh", "-c", "trap '' TERM; sleep 100 & echo $! > " + gcFile + "; exit 0")
        .killGroupOnExit(false).outputWait(Duration.ofSeconds(5))
        .killPolicy(KillPolicy.termThenKill(Duration.ofSeconds(30))).build());
    int grandchild = Procs.awaitPid(gcFile);
    await().atMost(Procs.LIVENESS).until(() -> Procs.state(op.child.pid()) == 'Z');
    op.ao.cancel();
    ChildExit e = op.awaitExit();
    assertEquals(Rc.OK, e.rc(), "its work had finished before the cancel: " + e);
    assertFalse(Procs.exists(grandchild), "the member it left is still there (state "
        + Procs.state(grandchild) + ")");
  }

  @Test
  void groupReapsNeverTakeALeadersStatusUnderConcurrentSpawns() throws Exception {
    java.util.List<Integer> zombiesBefore = Procs.ownZombies();
    java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.List<Procs.Op> ops = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread th = new Thread(() -> {
        try {
          for (int i = 0; i < 30; i++) {
            // the leader exits 7 while its members live; they are killed and reaped by the sweep
            ops.add(new Procs.Op(ctx, procs,
                ProcessSpec.of("sh", "-c", "sleep 5 & sleep 5 & exit 7")));
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join(Procs.LIVENESS.toMillis());
      assertFalse(th.isAlive());
    }
    assertTrue(failures.isEmpty(), () -> "failures: " + failures);
    for (Procs.Op op : ops) {
      assertEquals(OptionalInt.of(7), op.awaitExit().exitCode(), "a leader's status was lost");
    }
    await().atMost(Procs.LIVENESS).until(() -> Procs.ownZombies().equals(zombiesBefore));
  }

  @Test
  void membersThatOutliveTheirLeaderAreReapedWhenTheyEnd() {
    Path gcFile = tmp.resolve("gc.pid");
    Procs.Op op = new Procs.Op(ctx, procs, ProcessSpec.builder()
        .command("sh", "-c", "sleep 0.3 & echo $! > " + gcFile + "; exit 0")
        .killGroupOnExit(false)
        .outputWait(java.time.Duration.ofMillis(50))
        .build());
    assertEquals(Rc.OK, op.awaitExit().rc());
    int grandchild = Procs.awaitPid(gcFile);
    await().atMost(Procs.LIVENESS).until(() -> !Procs.exists(grandchild));
  }
}
