package org.asyncop.core;

import java.util.concurrent.CompletableFuture;

/** Threads for the tests: plain ones for the model-checking scenarios, and a loop's. */
final class TestThreads {
  private TestThreads() {}

  static Thread start(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  static void join(Thread... ts) {
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** Runs {@code r} on {@code loop} and waits for it; what it throws is thrown here. */
  static void onLoop(AoLoop loop, Runnable r) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        r.run();
        f.complete(null);
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    f.join();
  }
}
