package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/**
 * The race between a spawn and a cancel, from several threads at once: 1,000 cycles, each exit
 * reported exactly once, every child reaped, no zombie and no descriptor left behind.
 */
class SpawnCancelStressTest {
  private static final int THREADS = 4;
  private static final int CYCLES = 1000;

  @Test
  void thousandSpawnCancelCyclesLeaveNothingBehind() throws Exception {
    try (AoContext warm = AoContext.create()) { // load classes and libraries before counting
      Procs.Op op = new Procs.Op(warm, ChildProcesses.of(warm), ProcessSpec.of("true"));
      op.awaitOutcome();
    }
    int fdsBefore = Procs.ownFdCount();
    List<Integer> zombiesBefore = Procs.ownZombies();

    AoContext ctx = AoContext.builder().name("stress").loops(2).build();
    ChildProcesses procs = ChildProcesses.of(ctx);
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger exits = new AtomicInteger();
    AtomicInteger outcomes = new AtomicInteger();
    CountDownLatch allOutcomes = new CountDownLatch(CYCLES);
    Procs.onThreads(THREADS, "stress", failures, tn -> {
      for (int i = 0; i < CYCLES / THREADS; i++) {
        cycle(ctx, procs, (tn + i) % 3, failures, exits, outcomes, allOutcomes);
      }
    });
    assertTrue(allOutcomes.await(30, TimeUnit.SECONDS), "outcomes missing: " + outcomes.get());
    ctx.close();
    Procs.assertNoFailures(failures);
    assertEquals(CYCLES, exits.get(), "each child's exit exactly once");
    assertEquals(CYCLES, outcomes.get());
    assertEquals(zombiesBefore, Procs.ownZombies(), "zombies left behind");
    Procs.assertNoFdsLeft(fdsBefore);
  }

  @Test
  void cancelsRacingChildrenThatExitOnTheirOwnReportEachExitOnce() throws Exception {
    List<Integer> zombiesBefore = Procs.ownZombies();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    int n = 300;
    CountDownLatch outcomes = new CountDownLatch(n);
    try (AoContext ctx = AoContext.builder().name("race-exit").build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      for (int i = 0; i < n; i++) {
        AtomicInteger exits = new AtomicInteger();
        Ao<Void> ao = ctx.begin(AoHow.<Void>callback(o -> {
          if (exits.get() != 1) {
            failures.add(new AssertionError("outcome with " + exits + " exits"));
          }
          outcomes.countDown();
        }));
        procs.spawn(ao, ProcessSpec.of("true"), e -> {
          exits.incrementAndGet();
          if (e.rc() == Rc.FAIL) { // OK if it exited first, CANCEL if the kill did
            failures.add(new AssertionError("exit " + e));
          }
          ao.complete(null);
        });
        if (i % 2 == 0) {
          ao.cancel();
        } else {
          ao.execute(ao::cancel); // on the loop, after the child may have been reaped
        }
      }
      assertTrue(outcomes.await(30, TimeUnit.SECONDS));
    }
    assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first " + failures.peek());
    assertEquals(zombiesBefore, Procs.ownZombies());
  }

  /**
   * One cycle; {@code mode} 0 cancels right after the spawn, 1 cancels from the ao's loop, 2
   * cancels from another thread while the spawn may still be under way.
   */
  private static void cycle(
      AoContext ctx,
      ChildProcesses procs,
      int mode,
      Queue<Throwable> failures,
      AtomicInteger exits,
      AtomicInteger outcomes,
      CountDownLatch allOutcomes)
      throws InterruptedException {
    AtomicInteger myExits = new AtomicInteger();
    Ao<Void> ao = ctx.begin(AoHow.<Void>callback(o -> {
      outcomes.incrementAndGet();
      if (myExits.get() != 1) {
        failures.add(new AssertionError("outcome before the exit, or several exits: " + myExits));
      }
      if (o.rc() != Rc.CANCEL) {
        failures.add(new AssertionError("outcome " + o));
      }
      allOutcomes.countDown();
    }));
    Thread racer = null;
    if (mode == 2) {
      racer = new Thread(ao::cancel);
      racer.start();
    }
    procs.spawn(ao, ProcessSpec.of("sleep", "100"), e -> {
      exits.incrementAndGet();
      myExits.incrementAndGet();
      if (e.rc() != Rc.CANCEL) {
        failures.add(new AssertionError("exit " + e));
      }
      if (e.pid() > 0 && Procs.exists(e.pid())) {
        failures.add(new AssertionError("not reaped before its exit: " + e));
      }
      ao.cancelled();
    });
    if (mode == 0) {
      ao.cancel();
    } else if (mode == 1) {
      ao.execute(ao::cancel);
    } else {
      racer.join();
    }
  }
}
