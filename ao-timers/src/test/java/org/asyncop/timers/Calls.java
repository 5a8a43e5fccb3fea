package org.asyncop.timers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.asyncop.core.Rc;

/** A timer callback that records each call and the thread it came on. */
final class Calls implements Consumer<Rc> {
  final List<Rc> rcs = new CopyOnWriteArrayList<>();
  final List<Thread> threads = new CopyOnWriteArrayList<>();

  @Override
  public void accept(Rc rc) {
    threads.add(Thread.currentThread());
    rcs.add(rc);
  }

  /** Waits (bounded) until {@code n} calls came. */
  Calls awaitCount(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> rcs.size() >= n);
    return this;
  }

  /** Waits for the one call and checks it is {@code rc}, made on {@code loop}'s thread. */
  void awaitOnly(Rc rc, Thread loop) {
    awaitCount(1);
    assertEquals(List.of(rc), rcs);
    assertEquals(loop, threads.get(0));
  }
}
