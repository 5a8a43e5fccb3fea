package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many operations on a context with two loops, begun by several producer threads, ended from the
 * producer, from the loop or from other threads, cancelled at random moments, with hooks pushed
 * and closed from all sides: every outcome is delivered exactly once, exactly one completing call
 * wins, no hook runs twice and no hook that stayed registered is lost. A failure in any thread
 * fails the test; every thread is joined.
 *
 * <p>The size scales with {@code -Dasyncop.stress.ops} (default 1,000,000).
 */
class AoStressTest {
  private static final int OPS = Integer.getInteger("asyncop.stress.ops", 1_000_000);
  private static final int PRODUCERS = 3;
  private static final int HOOKS = 3; // hook 0 is the resource that ends the operation on cancel
  private static final int IN_FLIGHT = 20_000;
  private static final int CLOSED_EARLY = 1;
  private static final int CLOSED_RACING = 2;

  /** Per-operation bookkeeping, indexed by operation number. */
  private static final class Book {
    final AtomicIntegerArray outcomes = new AtomicIntegerArray(OPS);
    /** Rc ordinal + 1 of the completing call that won; 0 before. */
    final AtomicIntegerArray winner = new AtomicIntegerArray(OPS);
    /** Rc ordinal + 1 of the delivered outcome; 0 before. */
    final AtomicIntegerArray delivered = new AtomicIntegerArray(OPS);
    final AtomicIntegerArray hookRuns = new AtomicIntegerArray(OPS * HOOKS);
    final AtomicIntegerArray hookClosed = new AtomicIntegerArray(OPS * HOOKS);
    final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    final AtomicLong deliveries = new AtomicLong();

    void outcome(int i, Outcome<?> o) {
      try {
        if (outcomes.incrementAndGet(i) != 1) {
          throw new AssertionError("operation " + i + " got a second outcome " + o);
        }
        delivered.set(i, o.rc().ordinal() + 1);
        // the resource hook stays registered: completing or cancelling runs it before delivery
        assertEquals(1, hookRuns.get(i * HOOKS), "resource hook runs before outcome " + i);
        assertTrue(o.hookErrors().isEmpty(), "hook errors " + o.hookErrors());
      } catch (Throwable e) {
        errors.add(e);
      } finally {
        deliveries.incrementAndGet();
        inFlight.release();
      }
    }

    /** A completing call; losing the race (IllegalStateException) is expected. */
    void tryEnd(Ao<String> ao, int i, Rc kind) {
      if (ao.isDone()) {
        return;
      }
      try {
        switch (kind) {
          case OK -> ao.complete("v" + i);
          case CANCEL -> ao.cancelled();
          case FAIL -> ao.fail(new IllegalStateException("failed " + i));
        }
      } catch (IllegalStateException lost) {
        return;
      }
      if (!winner.compareAndSet(i, 0, kind.ordinal() + 1)) {
        errors.add(new AssertionError("two completing calls won on operation " + i));
      }
    }

    void hookRan(int i, int k) {
      if (hookRuns.incrementAndGet(i * HOOKS + k) != 1) {
        errors.add(new AssertionError("hook " + k + " of operation " + i + " ran twice"));
      }
    }

    /** {@code early}: closed before the operation could have ended, so it must never run. */
    void close(Registration r, int i, int k, boolean early) {
      hookClosed.set(i * HOOKS + k, early ? CLOSED_EARLY : CLOSED_RACING);
      r.close();
    }
  }

  @Test
  void millionOperationsWithRandomCancelTiming() throws Exception {
    Book book = new Book();
    AoContext ctx = AoContext.builder().loops(2).name("stress").build();
    ExecutorService others = Executors.newFixedThreadPool(2);
    List<Thread> producers = new ArrayList<>();
    try {
      for (int p = 0; p < PRODUCERS; p++) {
        int first = p;
        Thread t = new Thread(() -> produce(ctx, book, others, first), "producer-" + p);
        producers.add(t);
        t.start();
      }
      for (Thread t : producers) {
        t.join(TimeUnit.MINUTES.toMillis(2));
        assertFalse(t.isAlive(), t + " still running");
      }
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> book.deliveries.get() == OPS || !book.errors.isEmpty());
    } finally {
      others.shutdown();
      assertTrue(others.awaitTermination(1, TimeUnit.MINUTES));
      ctx.close(); // runs every task still queued (late hooks) before the loops stop
    }
    assertNoErrors(book.errors);
    for (int i = 0; i < OPS; i++) {
      assertEquals(1, book.outcomes.get(i), "outcomes of operation " + i);
      assertTrue(book.winner.get(i) != 0, "no completing call won on operation " + i);
      assertEquals(book.winner.get(i), book.delivered.get(i), "rc of operation " + i);
      for (int k = 0; k < HOOKS; k++) {
        int runs = book.hookRuns.get(i * HOOKS + k);
        int closed = book.hookClosed.get(i * HOOKS + k);
        if (closed == 0) {
          assertEquals(1, runs, "runs of hook " + k + " of operation " + i + ", never closed");
        } else if (closed == CLOSED_EARLY) {
          assertEquals(0, runs, "runs of hook " + k + " of operation " + i + ", closed early");
        } else {
          assertTrue(runs <= 1, "runs of closed hook " + k + " of operation " + i);
        }
      }
    }
  }

  private static void produce(AoContext ctx, Book book, ExecutorService others, int first) {
    SplittableRandom rnd = new SplittableRandom(first * 7919L + 17);
    try {
      for (int i = first; i < OPS; i += PRODUCERS) {
        book.inFlight.acquire();
        int op = i;
        Ao<String> ao = ctx.begin(AoHow.<String>callback(o -> book.outcome(op, o)));
        // the resource: ends the operation when cancelled (or fires on completion; then it lost)
        ao.onCancel(
            () -> {
              book.hookRuns.incrementAndGet(op * HOOKS);
              book.tryEnd(ao, op, Rc.CANCEL);
            });
        Registration[] regs = new Registration[HOOKS];
        for (int k = 1; k < HOOKS; k++) {
          int hook = k;
          if (rnd.nextBoolean()) {
            regs[k] = ao.onCancel(() -> book.hookRan(op, hook));
          } else { // pushed on the loop, closed later by whoever gets to it
            ao.execute(() -> regs[hook] = ao.onCancel(() -> book.hookRan(op, hook)));
          }
        }
        // who closes hooks 1 and 2: 0 the producer at once (hook 1, if already pushed), 1 the loop
        // before anything ends it (the ending then starts from that loop task), 2 the loop at a
        // random moment through another thread, 3 nobody
        int closeWho = rnd.nextInt(4);
        int end = rnd.nextInt(6);
        if (closeWho == 0 && regs[1] != null) {
          book.close(regs[1], op, 1, true);
        }
        if (closeWho == 1) {
          ao.execute(
              () -> {
                closeAll(book, regs, op, true);
                end(book, ao, op, end, others);
              });
        } else {
          end(book, ao, op, end, others);
        }
        if (closeWho == 2) {
          others.execute(() -> ao.execute(() -> closeAll(book, regs, op, false)));
        }
      }
    } catch (Throwable e) {
      book.errors.add(e);
    }
  }

  /** Starts the end of one operation in one of the racing ways. */
  private static void end(Book book, Ao<String> ao, int op, int end, ExecutorService others) {
    switch (end) {
      case 0 -> book.tryEnd(ao, op, Rc.OK); // completed at once, where we are
      case 1 -> ao.execute(() -> book.tryEnd(ao, op, Rc.OK)); // the loop completes
      case 2 -> others.execute(ao::cancel); // cancelled from elsewhere
      case 3 -> { // cancel races the loop's completion
        others.execute(ao::cancel);
        ao.execute(() -> book.tryEnd(ao, op, Rc.OK));
      }
      case 4 -> { // cancelNow races another thread's failure
        others.execute(() -> book.tryEnd(ao, op, Rc.FAIL));
        ao.cancelNow();
      }
      default -> { // another thread completes while this one cancels with a reason
        others.execute(() -> book.tryEnd(ao, op, Rc.OK));
        ao.cancel(new IllegalStateException("reason " + op));
      }
    }
  }

  /** Loop: closes the hooks pushed so far (some may not be linked yet; close is then early). */
  private static void closeAll(Book book, Registration[] regs, int op, boolean early) {
    for (int k = 1; k < HOOKS; k++) {
      Registration r = regs[k];
      if (r != null) {
        book.close(r, op, k, early);
      }
    }
  }

  private static void assertNoErrors(Queue<Throwable> errors) {
    if (!errors.isEmpty()) {
      AssertionError e = new AssertionError(errors.size() + " errors; first: " + errors.peek());
      errors.stream().limit(5).forEach(e::addSuppressed);
      throw e;
    }
  }
}
