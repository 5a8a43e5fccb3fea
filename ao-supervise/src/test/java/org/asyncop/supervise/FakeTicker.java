package org.asyncop.supervise;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncop.core.AoContext;
import org.asyncop.core.Ticker;

/** A context's time, moved by the test; advancing wakes the loops so that timers see it. */
final class FakeTicker implements Ticker {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private AoContext ctx;

  AoContext context() {
    ctx = AoContext.builder().name("fake-time").ticker(this).build();
    return ctx;
  }

  @Override
  public long nanoTime() {
    return now.get();
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
    ctx.loops().forEach(l -> l.wakeup());
  }
}
