package org.asyncop.watch;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Test helper: several threads released at once against one store. */
final class Racers {
  private Racers() {}

  /** What each thread runs; {@code t} is its number. */
  interface Body {
    void run(int t) throws Exception;
  }

  /**
   * Runs {@code body} on {@code threads} threads released together and waits (bounded) for all of
   * them; what any of them throws goes to {@code errors}.
   */
  static void run(int threads, Collection<Throwable> errors, Body body)
      throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread th = new Thread(() -> {
        try {
          go.await();
          body.run(me);
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      th.start();
      ts.add(th);
    }
    go.countDown();
    for (Thread th : ts) {
      th.join(TimeUnit.SECONDS.toMillis(120));
      assertFalse(th.isAlive(), th.getName() + " did not finish");
    }
  }
}
