package org.asyncop.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.AoLoop;
import org.asyncop.core.CancelHook;
import org.asyncop.core.Outcome;

/**
 * Retained heap per live operation with one cancel hook, beside a CompletableFuture with one
 * dependent ({@code whenComplete}): heap used after a full GC with that many of each alive, minus
 * the heap used before (the array that keeps them is allocated first, so it is not counted). Not
 * a JMH benchmark: one measurement, printed in bytes per item.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.AoFootprint 1000000}
 */
public final class AoFootprint {
  private static final CancelHook NOOP = () -> {};
  private static final Consumer<Outcome<Object>> CALLBACK = o -> {};
  private static final BiConsumer<Object, Throwable> DEPENDENT = (v, e) -> {};

  private AoFootprint() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    Object[] keep = new Object[n];
    try (AoContext ctx = AoContext.builder().name("footprint").build()) {
      AoLoop loop = ctx.loops().get(0);
      long before = usedAfterGc(mem);
      Loops.onLoop(
          loop,
          () -> {
            for (int i = 0; i < n; i++) {
              Ao<Object> ao = ctx.begin(AoHow.callback(CALLBACK));
              ao.onCancel(NOOP);
              keep[i] = ao;
            }
          });
      double perAo = (usedAfterGc(mem) - before) / (double) n;
      Loops.onLoop(
          loop,
          () -> {
            for (int i = 0; i < n; i++) {
              @SuppressWarnings("unchecked")
              Ao<Object> ao = (Ao<Object>) keep[i];
              ao.complete(null);
            }
          });
      Arrays.fill(keep, null);
      Loops.onLoop(loop, () -> {}); // let the deliveries run

      before = usedAfterGc(mem);
      for (int i = 0; i < n; i++) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        f.whenComplete(DEPENDENT);
        keep[i] = f;
      }
      double perFuture = (usedAfterGc(mem) - before) / (double) n;
      System.out.printf(
          "live items: %d%nao + 1 hook: %.1f bytes%nCompletableFuture + 1 dependent: %.1f bytes%n"
              + "ratio ao/CompletableFuture: %.2f%n",
          n, perAo, perFuture, perAo / perFuture);
      Arrays.fill(keep, null);
    }
  }

  private static long usedAfterGc(MemoryMXBean mem) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}
