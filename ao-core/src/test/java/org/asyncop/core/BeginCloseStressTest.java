package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Begin racing close, many rounds: threads begin operations (some ending at once, some only when
 * cancelled, some with a hook pushed from outside) while another thread closes the context. Every
 * begun operation gets exactly one outcome; a begin that starts after close began throws
 * IllegalStateException; when close returns, no thread of the context is alive. Rounds scale with
 * {@code -Dasyncop.stress.closeRounds} (default 300).
 */
class BeginCloseStressTest {
  private static final int ROUNDS = Integer.getInteger("asyncop.stress.closeRounds", 300);
  private static final int BEGINNERS = 2;

  @Test
  void everyBegunOperationEndsOnceAndCloseLeavesNoThread() throws Exception {
    SplittableRandom rnd = new SplittableRandom(42);
    for (int round = 0; round < ROUNDS; round++) {
      round(round, rnd.nextInt(200), rnd.nextInt(2) + 1);
    }
  }

  private static void round(int round, int closeAfter, int loops) throws Exception {
    String name = "begin-close-" + round;
    AoContext ctx = AoContext.builder().loops(loops).name(name).build();
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger begun = new AtomicInteger();
    AtomicInteger outcomes = new AtomicInteger();
    Queue<AtomicInteger> perOp = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int b = 0; b < BEGINNERS; b++) {
      int seed = round * BEGINNERS + b;
      threads.add(
          new Thread(
              () -> begin(ctx, seed, go, begun, outcomes, perOp, errors), name + "-beginner-" + b));
    }
    Thread closer =
        new Thread(
            () -> {
              try {
                go.await();
                while (begun.get() < closeAfter) {
                  Thread.onSpinWait();
                }
                ctx.close();
              } catch (Throwable e) {
                errors.add(e);
              }
            },
            name + "-closer");
    threads.add(closer);
    threads.forEach(Thread::start);
    go.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(t.isAlive(), t.getName() + " is stuck (round " + round + ")");
    }
    if (!errors.isEmpty()) {
      AssertionError e = new AssertionError("round " + round + ": " + errors.peek());
      errors.forEach(e::addSuppressed);
      throw e;
    }
    assertEquals(begun.get(), outcomes.get(), "outcomes in round " + round);
    for (AtomicInteger n : perOp) {
      assertEquals(1, n.get(), "outcomes of one operation in round " + round);
    }
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertFalse(
          t.getName().startsWith(name + "-loop-") && t.isAlive(),
          t.getName() + " alive after close");
    }
  }

  private static void begin(
      AoContext ctx,
      int seed,
      CountDownLatch go,
      AtomicInteger begun,
      AtomicInteger outcomes,
      Queue<AtomicInteger> perOp,
      Queue<Throwable> errors) {
    SplittableRandom rnd = new SplittableRandom(seed);
    try {
      go.await();
      while (true) {
        boolean closingBefore = ctx.isClosing();
        AtomicInteger mine = new AtomicInteger();
        Ao<String> ao;
        try {
          ao = ctx.begin(AoHow.<String>callback(o -> {
            mine.incrementAndGet();
            outcomes.incrementAndGet();
          }));
        } catch (IllegalStateException refused) {
          assertTrue(ctx.isClosing(), "refused while open: " + refused);
          return;
        }
        assertFalse(closingBefore, "begin succeeded after close had begun");
        begun.incrementAndGet();
        perOp.add(mine);
        switch (rnd.nextInt(4)) {
          case 0 -> ao.complete("now");
          case 1 -> ao.onCancel(ao::cancelled); // ends only when close cancels it
          case 2 -> ao.execute(() -> ao.onCancel(ao::cancelled)); // hooked on the loop
          default -> {
            Registration r = ao.attach(ao::cancelled); // held until the resource is reaped
            ao.onCancel(() -> ao.execute(r::close));
          }
        }
      }
    } catch (Throwable e) {
      errors.add(e);
    }
  }
}
