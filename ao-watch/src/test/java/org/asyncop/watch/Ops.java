package org.asyncop.watch;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Outcome;

/** Test helper: an operation whose outcome is recorded. */
final class Ops<T> {
  final List<Outcome<T>> outcomes = new CopyOnWriteArrayList<>();
  private final CountDownLatch heard = new CountDownLatch(1);
  final Ao<T> ao;

  private Ops(AoContext ctx) {
    this.ao =
        ctx.begin(
            AoHow.callback(
                o -> {
                  outcomes.add(o);
                  heard.countDown();
                }));
  }

  static <T> Ops<T> begin(AoContext ctx) {
    return new Ops<>(ctx);
  }

  /** Waits (bounded) for the one outcome, and checks no second one came. */
  Outcome<T> awaitOutcome() {
    try {
      if (!heard.await(20, TimeUnit.SECONDS)) {
        throw new AssertionError("no outcome within 20 s: " + ao);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    if (outcomes.size() != 1) {
      throw new AssertionError("expected one outcome, got " + outcomes);
    }
    return outcomes.get(0);
  }

  /** Completes the ao as {@code o} says (on the loop, from a callback). */
  static <T> void completeAs(Ao<T> ao, Outcome<T> o) {
    switch (o.rc()) {
      case OK -> ao.complete(o.value());
      case FAIL -> ao.fail(java.util.Objects.requireNonNull(o.failure()));
      case CANCEL -> ao.cancelled();
      default -> throw new IllegalStateException("Invalid rc: " + o.rc());
    }
  }

  /** Threads of the context whose names start with the context's name, other than its loops. */
  static List<String> helperThreads(AoContext ctx) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(ctx.name() + "-") && !n.contains("-loop-"))
        .toList();
  }
}
