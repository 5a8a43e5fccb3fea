package org.asyncop.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialCallsTest {
  private final SerialCalls calls = new SerialCalls();

  @Test
  void run_callHandedInByARunningCall_runsAfterIt_onTheSameThread() {
    List<String> order = new CopyOnWriteArrayList<>();
    calls.run(() -> {
      order.add("outer");
      assertTrue(calls.runningOn(Thread.currentThread()));
      calls.run(() -> order.add("inner"));
      order.add("outer returns");
    });
    assertEquals(List.of("outer", "outer returns", "inner"), order);
    assertFalse(calls.runningOn(Thread.currentThread()));
  }

  /**
   * A thread that hands in a call while another thread runs one does not wait for it: its call
   * runs on that other thread, after the running one. (Were run() to wait, the running call would
   * wait its full bound for the release that only comes after run() returns.)
   */
  @Test
  void run_whileACallRunsOnAnotherThread_returnsAtOnce_andThatThreadRunsIt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean released = new AtomicBoolean();
    List<String> ranOn = new CopyOnWriteArrayList<>();
    Thread first = new Thread(() -> calls.run(() -> {
      running.countDown();
      try {
        released.set(release.await(10, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }), "first");
    first.start();
    assertTrue(running.await(10, TimeUnit.SECONDS));
    calls.run(() -> ranOn.add(Thread.currentThread().getName()));
    release.countDown();
    first.join(TimeUnit.SECONDS.toMillis(20));
    assertFalse(first.isAlive());
    assertTrue(released.get(), "run() waited for the running call");
    assertEquals(List.of("first"), ranOn);
  }

  /**
   * Threads handing in calls together, on real threads: in each round the threads hand in one call
   * each, released together; when all have returned from run() every call handed in has run (a call
   * left queued with nobody to run it would wait for a later round), calls never overlap, and each
   * thread's run in its order. The window where a call could be left queued is a few instructions
   * wide: {@link SerialCallsLincheckTest} explores it step by step.
   */
  @Test
  void run_threadsHandingInTogether_callsNeverOverlap_keepOrder_andNoneIsLeft() throws Exception {
    int threads = 2;
    int rounds = 20_000;
    AtomicBoolean busy = new AtomicBoolean();
    AtomicInteger handedIn = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    int[] lastSeen = new int[threads]; // written only inside calls, which happen-before each other
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    CyclicBarrier roundDone = new CyclicBarrier(threads, () -> {
      if (ran.get() != handedIn.get()) {
        errors.add(new AssertionError("a call was left queued: ran " + ran.get() + " of " + handedIn.get()));
      }
    });
    Racers.run(threads, errors, t -> {
      for (int i = 1; i <= rounds; i++) {
        int seq = i;
        handedIn.incrementAndGet();
        calls.run(() -> {
          if (!busy.compareAndSet(false, true)) {
            errors.add(new AssertionError("calls overlap"));
          }
          if (lastSeen[t] != seq - 1) {
            errors.add(new AssertionError("thread " + t + ": call " + seq + " after " + lastSeen[t]));
          }
          lastSeen[t] = seq;
          ran.incrementAndGet();
          busy.set(false);
        });
        roundDone.await(10, TimeUnit.SECONDS);
      }
    });
    assertEquals(List.of(), errors.subList(0, Math.min(3, errors.size())));
    assertEquals(threads * rounds, ran.get());
  }
}
