package org.asyncop.supervise;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoLoop;

/** Test services that record what happens to them, and small waiting helpers. */
final class Services {
  static final Duration BOUND = Duration.ofSeconds(10);

  private Services() {}

  /**
   * A factory whose services count their messages and reply with the count; the message "crash"
   * throws, "fail" fails the service, "done" completes it OK. A cancel ends it with CANCEL. Events
   * go to {@code log} as "start NAME#INCARNATION" and "cancel NAME".
   */
  static ServiceFactory<String, Integer> counting(String name, List<String> log) {
    AtomicInteger starts = new AtomicInteger();
    return ao -> {
      log.add("start " + name + "#" + starts.incrementAndGet());
      ao.onCancel(() -> {
        if (!ao.isDone()) { // the hook also runs when the service completes on its own
          log.add("cancel " + name);
          ao.cancelled();
        }
      });
      int[] n = {0};
      return (msg, reply) -> {
        switch (msg) {
          case "crash" -> throw new IllegalStateException("crash of " + name);
          case "fail" -> {
            reply.ok(-1);
            ao.fail(new IllegalStateException("failure of " + name));
          }
          case "done" -> {
            reply.ok(0);
            ao.complete(null);
          }
          default -> reply.ok(++n[0]);
        }
      };
    };
  }

  static List<String> log() {
    return new CopyOnWriteArrayList<>();
  }

  static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("stage failed", e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /** Waits for the stage to fail and returns its cause. */
  static Throwable failure(CompletionStage<?> stage) {
    try {
      Object v = stage.toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Returns once the loop has run every task posted before and polled its drivers (timers) at
   * least once since: two round trips, as the loop polls its drivers between batches of tasks.
   */
  static void settle(AoContext ctx) {
    AoLoop loop = ctx.loops().get(0);
    for (int i = 0; i < 2; i++) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      loop.wakeup();
      loop.execute(() -> f.complete(null));
      join(f);
    }
  }

  static void awaitTrue(java.util.concurrent.Callable<Boolean> c) {
    await().atMost(BOUND).until(c);
  }
}
