package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.junit.jupiter.api.Test;

/**
 * The race between spawns and the context's close: close begins while a spawn is inside
 * posix_spawn and every earlier child is already reported, the moment the reaper sees no child
 * left and goes to stop. The child being spawned must still be handed over and reaped (or not be
 * started at all), close must finish, and nothing may be left: no zombie, no descriptor.
 */
class SpawnCloseStressTest {
  private static final int ROUNDS = 40;
  private static final int THREADS = 2;
  private static final Duration CLOSE_BOUND = Duration.ofSeconds(5);

  @Test
  void closeRacingSpawnsLeavesNoUnreapedChildAndFinishes() throws Exception {
    try (AoContext warm = AoContext.create()) { // load classes and libraries before counting
      new Procs.Op(warm, ChildProcesses.of(warm), ProcessSpec.of("true")).awaitOutcome();
    }
    int fdsBefore = Procs.ownFdCount();
    List<Integer> zombiesBefore = Procs.ownZombies();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    for (int round = 0; round < ROUNDS && failures.isEmpty(); round++) {
      round(round, failures);
    }
    Procs.assertNoFailures(failures);
    assertEquals(zombiesBefore, Procs.ownZombies(), "zombies left behind");
    Procs.assertNoFdsLeft(fdsBefore);
  }

  /**
   * Each spawner spawns one short child at a time and waits for its exit, so that between two
   * children nothing is registered; the close comes after a few exits, at a varying point.
   */
  private static void round(int round, Queue<Throwable> failures) throws Exception {
    AoContext ctx = AoContext.builder().name("spawn-close-" + round).build();
    ChildProcesses procs = ChildProcesses.of(ctx);
    AtomicInteger exits = new AtomicInteger();
    CountDownLatch someExits = new CountDownLatch(2 + round % 5);
    Thread closer = new Thread(() -> {
      try {
        someExits.await();
        if (!ctx.close(CLOSE_BOUND)) {
          failures.add(new AssertionError("round " + round + ": close did not finish"));
        }
      } catch (Throwable e) {
        failures.add(e);
      }
    }, "closer");
    closer.start();
    Procs.onThreads(THREADS, "spawner", failures, tn -> {
      for (; ; ) {
        Ao<Void> ao;
        try {
          ao = ctx.begin(AoHow.<Void>callback(o -> { }));
        } catch (IllegalStateException closing) {
          return;
        }
        CompletableFuture<ChildExit> exit = new CompletableFuture<>();
        Child c = procs.spawn(ao, ProcessSpec.of("true"), e -> {
          exit.complete(e);
          ao.cancelled();
        });
        if (c.pid() < 0) {
          return; // the reaper has stopped: nothing was started
        }
        try {
          exit.get(CLOSE_BOUND.toSeconds() * 2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          throw new AssertionError("round " + round + ": child " + c.pid()
              + " never reported; " + (Procs.dead(c.pid()) ? "dead, unreaped" : "alive"));
        }
        exits.incrementAndGet();
        someExits.countDown();
      }
    });
    closer.join(TimeUnit.SECONDS.toMillis(CLOSE_BOUND.toSeconds() * 3));
    assertTrue(!closer.isAlive(), "the closer did not finish");
  }
}
