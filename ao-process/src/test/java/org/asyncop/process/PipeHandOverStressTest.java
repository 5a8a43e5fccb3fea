package org.asyncop.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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
 * The hand-over of a child with pipes, from several threads at once: the spawning thread watches
 * the pidfd itself and posts the pipes to the reaper, so a child that exits at once may be seen
 * exited before its pipes are watched. Each exit must still carry exactly its own output, once,
 * without the output wait running out, and leave no descriptor behind.
 */
class PipeHandOverStressTest {
  private static final int THREADS = 4;
  private static final int CHILDREN = 400;

  @Test
  void childrenThatExitAtOnceStillDeliverTheirWholeOutput() throws Exception {
    try (AoContext warm = AoContext.create()) { // load classes and libraries before counting
      new Procs.Op(warm, ChildProcesses.of(warm), ProcessSpec.builder().command("cat")
          .stdin(Stdin.of("x")).stdout(Output.capture(10)).build()).awaitOutcome();
    }
    int fdsBefore = Procs.ownFdCount();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger exits = new AtomicInteger();
    CountDownLatch allExits = new CountDownLatch(CHILDREN);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    try (AoContext ctx = AoContext.builder().name("pipes").loops(2).build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      for (int t = 0; t < THREADS; t++) {
        int tn = t;
        Thread th = new Thread(() -> {
          try {
            start.await();
            for (int i = 0; i < CHILDREN / THREADS; i++) {
              String token = "child-" + tn + "-" + i;
              // even: stdin through cat to stdout; odd: printf to stderr, nothing read
              boolean viaStdout = i % 2 == 0;
              ProcessSpec spec = viaStdout
                  ? ProcessSpec.builder().command("cat").stdin(Stdin.of(token))
                      .stdout(Output.capture(100)).build()
                  : ProcessSpec.builder().command("sh", "-c", "printf %s \"$0\" >&2", token)
                      .stderr(Output.capture(100)).build();
              Ao<Void> ao = ctx.begin(AoHow.<Void>callback(o -> { }));
              procs.spawn(ao, spec, e -> {
                exits.incrementAndGet();
                String got = viaStdout ? e.stdout() : e.stderr();
                if (e.rc() != Rc.OK || !token.equals(got) || e.pipesForceClosed()) {
                  failures.add(new AssertionError(token + ": " + e + ", output '" + got + "'"));
                }
                ao.complete(null);
                allExits.countDown();
              });
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }, "spawner-" + t);
        threads.add(th);
        th.start();
      }
      start.countDown();
      for (Thread th : threads) {
        th.join(TimeUnit.SECONDS.toMillis(60));
        assertTrue(!th.isAlive(), th.getName() + " did not finish");
      }
      assertTrue(allExits.await(30, TimeUnit.SECONDS), "exits missing: " + exits.get());
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError(failures.size() + " failures; first: " + failures.peek());
      failures.forEach(e::addSuppressed);
      throw e;
    }
    assertEquals(CHILDREN, exits.get(), "each child's exit exactly once");
    await().atMost(Procs.LIVENESS).untilAsserted(() -> assertTrue(Procs.ownFdCount() <= fdsBefore,
        "descriptors left behind: " + fdsBefore + " before, " + Procs.ownFdCount() + " now"));
  }
}
