package org.asyncop.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.asyncop.bench.AoLifeBenchmark.Countdown;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoLoop;

/**
 * The lives of {@link AoLifeBenchmark}'s on-loop methods, measured in CPU time of the loop thread
 * instead of elapsed time: on a shared 2-core machine, elapsed time counts the time other
 * processes held the core, CPU time does not. Each figure is the best of several rounds of many
 * lives, in CPU nanoseconds per life, deliveries included. As in {@link AoLifeBenchmark}, the lives
 * run in batches of {@link AoLifeBenchmark#N}, each delivered before the next begins: had all
 * 200,000 begun before any delivery task ran, they would live through young collections into the
 * old generation, and G1's write barriers on old objects would be measured (3x the life) instead
 * of the life.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.AoLifeCpu}
 */
public final class AoLifeCpu {
  private static final int LIVES = 200_000;
  private static final int ROUNDS = 15;

  private AoLifeCpu() {}

  public static void main(String[] args) {
    try (AoContext ctx = AoContext.builder().name("cpu").build()) {
      AoLoop loop = ctx.loops().get(0);
      double ao = 0;
      double cancel = 0;
      double cf = 0;
      double guava = 0;
      for (int warm = 0; warm < 2; warm++) { // the first pass warms up the JIT
        ao = best(loop, cb -> AoLifeBenchmark.aoLife(ctx, cb));
        cancel = best(loop, cb -> AoLifeBenchmark.aoCancelLife(ctx, cb));
        cf = best(loop, cb -> AoLifeBenchmark.cfWithListeners(cb).complete("v"));
        guava = best(loop, cb -> AoLifeBenchmark.guavaWithListeners(cb).set("v"));
      }
      System.out.printf(
          "CPU ns per life on the loop (best of %d rounds of %d):%n"
              + "  ao life (begin, 3 hooks pushed and closed, complete, delivered): %.1f%n"
              + "  ao cancel life (begin, 3 hooks, cancel, cancelled, delivered):  %.1f%n"
              + "  CompletableFuture + 3 whenComplete:                            %.1f%n"
              + "  Guava SettableFuture + 3 direct listeners:                     %.1f%n"
              + "  ratios ao/CompletableFuture %.2f, ao/Guava %.2f%n",
          ROUNDS, LIVES, ao, cancel, cf, guava, ao / cf, ao / guava);
    }
  }

  private static double best(AoLoop loop, Consumer<Countdown> life) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double best = Double.MAX_VALUE;
    for (int r = 0; r < ROUNDS; r++) {
      CompletableFuture<Long> cpu = new CompletableFuture<>();
      loop.execute(
          () -> {
            long start = threads.getCurrentThreadCpuTime();
            Countdown cb = new Countdown(LIVES);
            // the last delivery posts the reading, so every delivery is counted
            cb.done.thenRun(
                () -> loop.execute(() -> cpu.complete(threads.getCurrentThreadCpuTime() - start)));
            batches(loop, life, cb, LIVES / AoLifeBenchmark.N);
          });
      best = Math.min(best, cpu.join() / (double) LIVES);
    }
    return best;
  }

  /**
   * Runs {@code left} batches of lives, each in a task of its own, posted at the end of the one
   * before it: after that batch's delivery tasks, so a batch's operations are gone before the next
   * batch begins (as in {@link AoLifeBenchmark}, which waits for each batch).
   */
  private static void batches(AoLoop loop, Consumer<Countdown> life, Countdown cb, int left) {
    for (int i = 0; i < AoLifeBenchmark.N; i++) {
      life.accept(cb);
    }
    if (left > 1) {
      loop.execute(() -> batches(loop, life, cb, left - 1));
    }
  }
}
