package org.asyncop.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * Model checking of {@link SerialCalls}: three threads hand in calls at once, one of them a second
 * call from inside its first (a listener that makes the store hand its own watch a call). Whatever
 * the interleaving, calls never overlap, and once every thread has returned from run() every call
 * has run: one handed in just as the running thread steps down is not left queued.
 */
class SerialCallsLincheckTest {
  private static final int INVOCATIONS = Integer.getInteger("asyncop.lincheck.invocations", 200);

  @Test
  void handingInTogether_runsEveryCallOnce_neverOverlapping() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          SerialCalls calls = new SerialCalls();
          AtomicBoolean busy = new AtomicBoolean();
          AtomicBoolean overlapped = new AtomicBoolean();
          AtomicInteger ran = new AtomicInteger();
          Runnable call = () -> {
            if (!busy.compareAndSet(false, true)) {
              overlapped.set(true);
            }
            ran.incrementAndGet();
            busy.set(false);
          };
          List<Thread> threads = new ArrayList<>();
          threads.add(new Thread(() -> calls.run(call)));
          threads.add(new Thread(() -> calls.run(call)));
          threads.add(new Thread(() -> calls.run(() -> {
            call.run();
            calls.run(call);
          })));
          threads.forEach(Thread::start);
          for (Thread t : threads) {
            try {
              t.join();
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
          }
          assertFalse(overlapped.get(), "calls overlapped");
          assertEquals(4, ran.get(), "calls run once every run() returned");
        });
  }
}
