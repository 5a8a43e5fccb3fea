package org.asyncop.timers;

import static org.asyncop.timers.Loops.onLoop;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.AoInfo;
import org.asyncop.core.AoLoop;
import org.asyncop.core.LoopDriver;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once and no-leak under races: expiry against the operation's cancel against close of the
 * registration, each from its own thread, many times over; and volume (a million timers on one
 * operation, a close with 100,000 pending).
 */
class RacesTest {

  /** An operation that ends itself with CANCEL when cancelled, as workflow code would. */
  private static <T> Ao<T> begin(AoContext ctx, CompletableFuture<Outcome<T>> outcome) {
    Ao<T> ao = ctx.begin(AoHow.callback(outcome::complete));
    ao.onCancel(() -> {
      if (!ao.isDone()) {
        ao.cancelled();
      }
    });
    return ao;
  }

  private static void inParallel(ExecutorService pool, List<Callable<Void>> tasks) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Void>> fs = new ArrayList<>();
    for (Callable<Void> t : tasks) {
      fs.add(pool.submit(() -> {
        go.await();
        return t.call();
      }));
    }
    go.countDown();
    for (Future<Void> f : fs) {
      f.get(30, TimeUnit.SECONDS); // a failure in any thread fails the test
    }
  }

  private static void shutdown(ExecutorService pool) throws InterruptedException {
    pool.shutdown();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "racing threads did not end");
  }

  @Test
  void expiryCancelAndCloseRacingFromThreeThreadsCallOnceOrNeverIfCloseWon()
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (AoContext ctx = AoContext.create()) {
      Timers timers = Timers.of(ctx);
      ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
      int[] outcomes = new int[Rc.values().length + 1];
      for (int i = 0; i < 3_000; i++) {
        // 0 expiry vs cancel, 1 expiry vs close, 2 all three, 3 the same armed on the loop,
        // 4 all three plus a close on the loop itself
        int mode = i % 5;
        boolean armOnLoop = mode >= 3;
        CompletableFuture<Outcome<Void>> outcome = new CompletableFuture<>();
        Ao<Void> ao = begin(ctx, outcome);
        AtomicInteger calls = new AtomicInteger();
        // set once a close has returned having removed the timer (not merely found it ended):
        // from then on nothing may be called
        AtomicBoolean closeRemovedIt = new AtomicBoolean();
        AtomicBoolean loopCloseRemovedIt = new AtomicBoolean();
        int iteration = i;
        java.util.function.Consumer<Rc> cb = rc -> {
          if (closeRemovedIt.get()) {
            violations.add("call " + rc + " after close() removed it, iteration " + iteration);
          }
          if (calls.incrementAndGet() > 1) {
            violations.add("second call " + rc + ", iteration " + iteration);
          }
        };
        Duration delay = Duration.ofNanos(ThreadLocalRandom.current().nextInt(200_000));
        Registration r = armOnLoop
            ? onLoop(ao, () -> timers.timeout(ao, delay, cb))
            : timers.timeout(ao, delay, cb);
        List<Callable<Void>> racers = new ArrayList<>();
        if (mode != 1) {
          racers.add(() -> {
            ao.cancel();
            return null;
          });
        }
        if (mode != 0) {
          racers.add(() -> {
            closeRemovedIt.set(closeIfOpen(r));
            return null;
          });
        }
        if (mode == 4) {
          racers.add(() -> {
            ao.execute(() -> loopCloseRemovedIt.set(closeIfOpen(r)));
            return null;
          });
        }
        inParallel(pool, racers);
        ao.cancel(); // ends the operation in every mode; its outcome comes after every hook ran
        outcome.get(30, TimeUnit.SECONDS);
        Loops.threadOf(ao);
        int n = calls.get();
        // exactly one way to end: a close removed it, or the one call (expiry or CANCEL)
        int ends = n + (closeRemovedIt.get() ? 1 : 0) + (loopCloseRemovedIt.get() ? 1 : 0);
        if (ends != 1) {
          violations.add(r + " ended " + ends + " ways with " + n + " calls, iteration " + i);
        }
        if (mode == 0 && n != 1) {
          violations.add("expected exactly one call without close, got " + n);
        }
        outcomes[n]++;
      }
      assertEquals(List.of(), List.copyOf(violations));
      assertEquals(0, ((TimersService) timers).pending().join());
      assertTrue(outcomes[1] > 0, "no iteration called back");
    } finally {
      shutdown(pool);
    }
  }

  /** Closes a timer's registration, saying whether this call removed the timer. */
  private static boolean closeIfOpen(Registration r) {
    return r instanceof Timer t ? t.closeIfOpen() : ((PostedTimer) r).closeIfOpen();
  }

  @Test
  void timersFromManyThreadsOnManyLoopsEachEndExactlyOnceUnlessClosed() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (AoContext ctx = AoContext.builder().loops(2).build()) {
      Timers timers = Timers.of(ctx);
      List<Ao<Void>> aos = new ArrayList<>();
      List<CompletableFuture<Outcome<Void>>> outcomes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        CompletableFuture<Outcome<Void>> o = new CompletableFuture<>();
        outcomes.add(o);
        aos.add(begin(ctx, o));
      }
      AtomicIntegerArray fired = new AtomicIntegerArray(threads * perThread);
      AtomicIntegerArray cancelled = new AtomicIntegerArray(threads * perThread);
      AtomicIntegerArray closed = new AtomicIntegerArray(threads * perThread);
      AtomicIntegerArray periodic = new AtomicIntegerArray(threads * perThread);
      List<Callable<Void>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        work.add(() -> {
          ThreadLocalRandom rnd = ThreadLocalRandom.current();
          List<Registration> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            int id = base + i;
            Ao<Void> ao = aos.get(rnd.nextInt(aos.size()));
            Duration d = Duration.ofNanos(rnd.nextInt(3_000_000));
            java.util.function.Consumer<Rc> cb =
                rc -> (rc == Rc.CANCEL ? cancelled : fired).incrementAndGet(id);
            int kind = rnd.nextInt(3);
            periodic.set(id, kind == 2 ? 1 : 0);
            Registration r = switch (kind) {
              case 0 -> timers.timeout(ao, d, cb);
              case 1 -> timers.sleep(ao, d, cb);
              default -> timers.every(ao, d.plusNanos(1), cb);
            };
            mine.add(r);
            if (rnd.nextInt(4) == 0) {
              // close a random earlier one: it may be pending, firing, or done
              int k = rnd.nextInt(mine.size());
              mine.get(k).close();
              closed.set(base + k, 1);
            }
          }
          return null;
        });
      }
      inParallel(pool, work);
      for (Ao<Void> ao : aos) {
        ao.cancel();
      }
      for (CompletableFuture<Outcome<Void>> o : outcomes) {
        o.get(30, TimeUnit.SECONDS);
      }
      for (Ao<Void> ao : aos) {
        Loops.threadOf(ao);
      }
      assertEquals(0, ((TimersService) timers).pending().join());
      int expiries = 0;
      for (int id = 0; id < fired.length(); id++) {
        boolean open = closed.get(id) == 0;
        int f = fired.get(id);
        int c = cancelled.get(id);
        expiries += f;
        assertTrue(c <= 1, "timer " + id + " got CANCEL " + c + " times");
        if (periodic.get(id) == 1) {
          assertTrue(!open || c == 1, "periodic timer " + id + " open but not cancelled once");
        } else {
          assertTrue(f + c <= 1, "one-shot timer " + id + " called " + (f + c) + " times");
          assertTrue(!open || f + c == 1, "one-shot timer " + id + " open but never called");
        }
      }
      assertTrue(expiries > 0, "no timer expired: the race was not exercised");
    } finally {
      shutdown(pool);
    }
  }

  @Test
  void timersSetFromAnotherThreadEndBeforeTheOutcomeOfACompletionThatOvertakesThem() {
    int ops = 5_000;
    try (AoContext ctx = AoContext.create()) {
      Timers timers = Timers.of(ctx);
      AoLoop loop = ctx.loops().get(0);
      Queue<Ao<Void>> handed = new ConcurrentLinkedQueue<>();
      // another module's driver (a selector's readiness, say): completes what it is handed, so a
      // completion may reach the loop ahead of the task that takes a timer to the wheel
      CompletableFuture<Void> added = new CompletableFuture<>();
      loop.execute(() -> {
        loop.addDriver(now -> {
          Ao<Void> a;
          while ((a = handed.poll()) != null) {
            a.complete(null);
          }
          return LoopDriver.IDLE;
        });
        added.complete(null);
      });
      added.orTimeout(30, TimeUnit.SECONDS).join();
      List<List<String>> heard = new ArrayList<>();
      List<Ao<Void>> aos = new ArrayList<>();
      AtomicInteger delivered = new AtomicInteger();
      for (int i = 0; i < ops; i++) {
        List<String> mine = new CopyOnWriteArrayList<>();
        heard.add(mine);
        aos.add(ctx.begin(AoHow.callback(o -> {
          mine.add("outcome");
          delivered.incrementAndGet();
        })));
      }
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      for (int i = 0; i < ops; i++) { // this thread is the worker that set the timers
        List<String> mine = heard.get(i);
        if (rnd.nextInt(4) == 0) { // more than a batch of tasks: the driver runs before the set's
          for (int k = 0; k < 300; k++) {
            loop.execute(() -> {});
          }
        }
        Duration d = Duration.ofNanos(rnd.nextInt(200_000)); // some expire before the completion
        timers.timeout(aos.get(i), d, rc -> mine.add("timer"));
        handed.add(aos.get(i)); // then its part is done
        loop.wakeup();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> delivered.get() == ops);
      for (int i = 0; i < ops; i++) {
        assertEquals(List.of("timer", "outcome"), heard.get(i), "operation " + i);
      }
      assertEquals(0, ((TimersService) timers).pending().join(), "timers left on the wheel");
      assertEquals(List.of(), ctx.liveOperations());
    }
  }

  @Test
  void aMillionTimeoutsSetAndClosedOnOneAoLeaveNoHookAndNoTimer() throws Exception {
    try (AoContext ctx = AoContext.create()) {
      Timers timers = Timers.of(ctx);
      Ao<Void> ao = begin(ctx, new CompletableFuture<>());
      Calls calls = new Calls();
      onLoop(ao, () -> {
        for (int i = 0; i < 1_000_000; i++) {
          timers.timeout(ao, Duration.ofSeconds(10), calls).close();
        }
      });
      for (int i = 0; i < 100_000; i++) {
        timers.timeout(ao, Duration.ofSeconds(10), calls).close(); // from a foreign thread
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> registrationsOn(ctx) == 1);
      assertEquals(0, ((TimersService) timers).pending().join());
      ao.cancel();
      Loops.threadOf(ao);
      assertEquals(List.of(), calls.rcs);
    }
  }

  private static int registrationsOn(AoContext ctx) {
    return ctx.liveOperations().stream().mapToInt(AoInfo::pendingRegistrations).sum();
  }

  @Test
  void closingAContextWith100000PendingTimersCancelsAndReleasesThemAll() {
    AoContext ctx = AoContext.builder().name("timers-close-test").loops(2).build();
    TimersService timers = (TimersService) Timers.of(ctx);
    AtomicInteger cancels = new AtomicInteger();
    AtomicInteger others = new AtomicInteger();
    java.util.function.Consumer<Rc> cb = rc -> {
      if (rc == Rc.CANCEL) {
        cancels.incrementAndGet();
      } else {
        others.incrementAndGet();
      }
    };
    int withCallback = 0;
    for (int a = 0; a < 1_000; a++) {
      Ao<Void> ao = begin(ctx, new CompletableFuture<>());
      boolean onTheLoop = a % 2 == 0;
      int[] made = new int[1];
      Runnable make = () -> {
        for (int i = 0; i < 100; i++) {
          Duration d = Duration.ofMinutes(1 + i);
          switch (i % 4) {
            case 0 -> timers.timeout(ao, d, cb);
            case 1 -> timers.sleep(ao, d, cb);
            case 2 -> timers.every(ao, d, cb);
            default -> timers.deadline(ao, d);
          }
          made[0] += i % 4 == 3 ? 0 : 1;
        }
      };
      if (onTheLoop) {
        onLoop(ao, make);
      } else {
        make.run();
      }
      withCallback += made[0];
    }
    assertEquals(100_000, timers.pending().join());
    ctx.close();
    assertEquals(withCallback, cancels.get());
    assertEquals(0, others.get());
    assertEquals(0, timers.leftAtStop());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertTrue(!t.getName().startsWith("timers-close-test") || !t.isAlive(),
          "thread left: " + t);
    }
  }
}
