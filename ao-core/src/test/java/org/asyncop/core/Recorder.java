package org.asyncop.core;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Records what an operation's caller hears, with the thread it heard it on. */
final class Recorder<T> implements Consumer<Outcome<T>> {
  final List<Outcome<T>> outcomes = new CopyOnWriteArrayList<>();
  final List<Object> events = new CopyOnWriteArrayList<>();
  final List<Thread> threads = new CopyOnWriteArrayList<>();

  @Override
  public void accept(Outcome<T> o) {
    outcomes.add(o);
    events.add(o);
    threads.add(Thread.currentThread());
  }

  void progress(Progress p) {
    events.add(p);
    threads.add(Thread.currentThread());
  }

  AoHow<T> how() {
    return AoHow.callback(this).onProgress(this::progress);
  }

  /** Waits (bounded) for the one outcome, and checks no second one came. */
  Outcome<T> awaitOne() {
    await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
        .atMost(Duration.ofSeconds(10)).until(() -> !outcomes.isEmpty());
    if (outcomes.size() != 1) {
      throw new AssertionError("expected one outcome, got " + outcomes);
    }
    return outcomes.get(0);
  }
}
