package org.asyncop.timers;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.asyncop.core.Ao;

/** Runs test code on an operation's loop and waits for it (bounded). */
final class Loops {
  private Loops() {}

  static <R> R onLoop(Ao<?> ao, Supplier<R> body) {
    CompletableFuture<R> f = new CompletableFuture<>();
    ao.execute(() -> {
      try {
        f.complete(body.get());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void onLoop(Ao<?> ao, Runnable body) {
    onLoop(ao, () -> {
      body.run();
      return null;
    });
  }

  /** The loop's thread, asked on the loop. */
  static Thread threadOf(Ao<?> ao) {
    return onLoop(ao, Thread::currentThread);
  }
}
