package org.asyncop.bench;

import java.util.concurrent.CompletableFuture;
import org.asyncop.core.AoLoop;

/** What the benchmarks that are plain programs share. */
final class Loops {
  private Loops() {}

  /** Runs {@code r} on {@code loop} and waits until it, and the tasks it posted, have run. */
  static void onLoop(AoLoop loop, Runnable r) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(
        () -> {
          r.run();
          loop.execute(() -> done.complete(null)); // after the tasks r posted
        });
    done.join();
  }
}
