package org.asyncop.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Races between send, restart, stop and start from many threads: every stage completes, exactly
 * once, with a reply or a {@link ServiceNotRunningException}; the replies one thread gets from one
 * incarnation come in the order it sent; and nothing is left when the context closes. A failure
 * in any thread fails the test; every thread is joined.
 */
class SupervisorStressTest {
  private static final ServiceKey<String, Long> A = ServiceKey.of("stress", "a");
  private static final ServiceKey<String, Long> B = ServiceKey.of("stress", "b");
  private static final int SENDERS = 4;
  private static final int MESSAGES = 3000;
  private static final int RESTARTS = 150;

  /** Replies with (incarnation << 32 | count within the incarnation). */
  private static ServiceFactory<String, Long> numbered() {
    AtomicInteger incarnations = new AtomicInteger();
    return ao -> {
      long inc = incarnations.incrementAndGet();
      ao.onCancel(ao::cancelled);
      long[] n = {0};
      return (msg, reply) -> reply.ok(inc << 32 | ++n[0]);
    };
  }

  @RepeatedTest(5)
  void sendsRaceRestartsStopsAndStarts() throws Exception {
    AoContext ctx = AoContext.builder().name("stress").build();
    Supervisor sup = Supervisor.builder(ctx).start();
    Services.join(sup.start(A, numbered()));
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CyclicBarrier go = new CyclicBarrier(SENDERS + 2);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < SENDERS; t++) {
      ServiceKey<String, Long> key = t % 2 == 0 ? A : B;
      threads.add(new Thread(() -> guard(errors, () -> {
        go.await();
        List<CompletionStage<Long>> replies = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
          replies.add(sup.send(key, "m"));
        }
        int answered = checkOrder(key, replies);
        if (key == A && answered == 0) {
          throw new AssertionError("no message to " + key + " was answered");
        }
      }), "sender-" + t));
    }
    threads.add(new Thread(() -> guard(errors, () -> {
      go.await();
      for (int i = 0; i < RESTARTS; i++) {
        Services.join(sup.restart(A));
      }
    }), "restarter"));
    threads.add(new Thread(() -> guard(errors, () -> {
      go.await();
      ServiceFactory<String, Long> f = numbered();
      for (int i = 0; i < RESTARTS; i++) {
        Services.join(sup.start(B, f));
        assertEquals(Rc.CANCEL, Services.join(sup.stop(B)).rc());
      }
    }), "start-stopper"));
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertTrue(!t.isAlive(), t.getName() + " finished");
    }
    if (!errors.isEmpty()) {
      AssertionError e = new AssertionError(errors.size() + " thread(s) failed");
      errors.forEach(e::addSuppressed);
      throw e;
    }
    assertEquals(RESTARTS, sup.lookup(A).orElseThrow().restarts());
    assertTrue(sup.lookup(B).isEmpty());
    assertTrue(ctx.close(Duration.ofSeconds(10)));
    assertEquals(Rc.CANCEL, Services.join(sup.terminated()).rc());
  }

  @RepeatedTest(3)
  void requestsRacingTheSupervisorsStopAndTheContextsCloseAllComplete() throws Exception {
    int rounds = 300;
    for (int round = 0; round < rounds; round++) {
      AoContext ctx = AoContext.builder().name("stop-race").build();
      Supervisor sup = Supervisor.builder(ctx).start();
      Services.join(sup.start(A, numbered()));
      List<CompletableFuture<?>> stages = new ArrayList<>();
      CountDownLatch sending = new CountDownLatch(1);
      Thread sender = new Thread(() -> { // a client that does not know the supervisor stops
        for (int i = 0; i < 200; i++) {
          stages.add(sup.send(A, "m").toCompletableFuture());
          stages.add(sup.start(B, numbered()).toCompletableFuture());
          sending.countDown();
        }
      }, "sender");
      sender.start();
      assertTrue(sending.await(10, TimeUnit.SECONDS));
      sup.stop();
      assertTrue(ctx.close(Duration.ofSeconds(10)), "round " + round + ": the close finished");
      sender.join(TimeUnit.SECONDS.toMillis(10));
      assertTrue(!sender.isAlive(), "round " + round + ": the sender finished");
      for (CompletableFuture<?> f : stages) { // each was refused at the call or ran on the loop
        assertTrue(f.isDone(), "round " + round + ": a request was dropped with the loop");
      }
    }
  }

  /** Checks the order of the replies; returns how many there were. */
  private static int checkOrder(ServiceKey<String, Long> key, List<CompletionStage<Long>> replies) {
    long last = 0;
    int answered = 0;
    for (CompletionStage<Long> r : replies) {
      long v;
      try {
        v = Services.join(r);
      } catch (AssertionError e) {
        if (e.getCause() instanceof ServiceNotRunningException snr && snr.key().equals(key)) {
          continue; // between incarnations, or stopped: a legal answer
        }
        throw e;
      }
      if ((v >>> 32) == (last >>> 32) && v <= last) {
        throw new AssertionError(key + ": reply " + (v & 0xffffffffL) + " after "
            + (last & 0xffffffffL) + " from one incarnation: out of order");
      }
      if ((v >>> 32) < (last >>> 32)) {
        throw new AssertionError(key + ": an older incarnation answered after a newer one");
      }
      last = v;
      answered++;
    }
    return answered;
  }

  private interface Body {
    void run() throws Exception;
  }

  private static void guard(ConcurrentLinkedQueue<Throwable> errors, Body body) {
    try {
      body.run();
    } catch (Throwable e) {
      errors.add(e);
    }
  }

}
