package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The hand-over of a child's pidfd, with more spawning threads than cores: once the spawning
 * thread has put the pidfd in the epoll set, the reaper may see the child exit, close the pidfd
 * and forget it before the spawning thread runs again. Where pidfd works, no child may then get a
 * waiter thread of its own: the reaper's one thread waits for them all (a stray waiter also posts
 * to the reaper's eventfd after the child is gone, maybe after the reaper closed it).
 */
class PidfdHandOverStressTest {
  private static final int THREADS = 8;
  private static final int CHILDREN = 2000;

  @Test
  void childrenThatExitAtOnceGetNoThreadOfTheirOwn() throws Exception {
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    CountDownLatch allExits = new CountDownLatch(CHILDREN);
    AtomicInteger exits = new AtomicInteger();
    try (AoContext ctx = AoContext.builder().name("pidfd-hand-over").build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      new Procs.Op(ctx, procs, ProcessSpec.of("true")).awaitOutcome(); // the reaper is up
      Procs.onThreads(THREADS, "spawner", failures, tn -> {
        for (int i = 0; i < CHILDREN / THREADS; i++) {
          Ao<Void> ao = ctx.begin(AoHow.<Void>callback(o -> { }));
          procs.spawn(ao, ProcessSpec.of("true"), e -> {
            exits.incrementAndGet();
            if (e.rc() != Rc.OK) {
              failures.add(new AssertionError("exit " + e));
            }
            ao.complete(null);
            allExits.countDown();
          });
        }
      });
      assertTrue(allExits.await(Procs.LIVENESS.toSeconds(), TimeUnit.SECONDS),
          "exits missing: " + exits.get());
      Procs.assertNoFailures(failures);
      assertEquals(0, procs.waiterThreadsStarted(), "children given a waiter thread: " + procs);
    }
    assertEquals(CHILDREN, exits.get(), "each child's exit exactly once");
  }
}
