package org.asyncop.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.process.ChildExit;
import org.asyncop.process.ChildProcesses;
import org.asyncop.process.ProcessSpec;

/**
 * Cancel latency of a running {@code sleep 100}, ours and java.lang.Process's measured in pairs:
 * each round kills one of ours ({@code ao.cancel()} to the ChildExit callback) and one of the
 * JDK's ({@code destroyForcibly()} to {@code onExit()}), in alternating order, so that both see
 * the same load. On a machine shared with other builds the load changes from one second to the
 * next, and {@link ProcessBenchmark}'s cancel group, which runs one side after the other, then
 * compares two different machines; this harness compares the two sides sample by sample. Each
 * child is given {@value #SETTLE_MS} ms to start (it is asleep when killed, as a long-running
 * helper would be). The end of each sample is stamped inside the callback (ours: the ChildExit
 * callback on the loop; the JDK's: a dependent of {@code onExit()}, which runs on the thread that
 * completes it), not when the measuring thread wakes up afterwards: that wake-up is the same on
 * both sides and is not part of what is measured. The first {@value #WARMUP} rounds are not
 * counted: with 300, C2 was still compiling the spawn, cancel and exit paths during the measured
 * rounds ({@code -XX:+PrintCompilation}), and a compiler thread busy on one of the two cores held
 * up the loop, the reaper or the dying child by 1 to 4 ms: most samples above the p99 were those.
 * Prints p50, p90, p99 and max of each side, the ratios ours/JDK, and the load average before
 * and after. Not a JMH benchmark: it measures a distribution of wall-clock delays.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.ProcessCancelPairs [rounds [warmup]]}
 * (default {@value #ROUNDS} rounds after {@value #WARMUP} to warm up).
 */
public final class ProcessCancelPairs {
  static final int ROUNDS = 1000;
  static final int WARMUP = 2000;
  static final int SETTLE_MS = 2;

  private ProcessCancelPairs() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : ROUNDS;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : WARMUP;
    String loadBefore = load();
    long[] ours = new long[rounds];
    long[] jdk = new long[rounds];
    ProcessSpec spec = ProcessSpec.of("sleep", "100");
    ProcessBuilder pb = new ProcessBuilder("sleep", "100")
        .redirectInput(new File("/dev/null"))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    try (AoContext ctx = AoContext.builder().name("pairs").build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      for (int r = 0; r < warmup + rounds; r++) {
        boolean oursFirst = (r & 1) == 0;
        long a = oursFirst ? cancelOurs(ctx, procs, spec) : cancelJdk(pb);
        long b = oursFirst ? cancelJdk(pb) : cancelOurs(ctx, procs, spec);
        if (r >= warmup) {
          ours[r - warmup] = oursFirst ? a : b;
          jdk[r - warmup] = oursFirst ? b : a;
        }
      }
    }
    Arrays.sort(ours);
    Arrays.sort(jdk);
    System.out.printf("cancel -> exit callback of a sleeping child, %d pairs (us)%n", rounds);
    System.out.printf("  load average before: %s%n", loadBefore);
    print("ours (cancel -> ChildExit)", ours);
    print("JDK (destroyForcibly -> onExit)", jdk);
    System.out.printf("  ours/JDK: p50 %.2f  p90 %.2f  p99 %.2f%n", ratio(ours, jdk, 0.5),
        ratio(ours, jdk, 0.9), ratio(ours, jdk, 0.99));
    System.out.printf("  load average after: %s%n", load());
  }

  private static long cancelOurs(AoContext ctx, ChildProcesses procs, ProcessSpec spec)
      throws InterruptedException {
    CompletableFuture<Long> called = new CompletableFuture<>();
    Ao<ChildExit> ao = ctx.begin(AoHow.callback(o -> { }));
    procs.spawn(ao, spec, e -> {
      called.complete(System.nanoTime());
      ao.complete(e);
    });
    Thread.sleep(SETTLE_MS);
    long t0 = System.nanoTime();
    ao.cancel();
    return called.join() - t0;
  }

  private static long cancelJdk(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    // a dependent of onExit() runs on the thread that completes it: the JDK's exit "callback"
    CompletableFuture<Long> called = p.onExit().thenApply(x -> System.nanoTime());
    Thread.sleep(SETTLE_MS);
    long t0 = System.nanoTime();
    p.destroyForcibly();
    return called.join() - t0;
  }

  private static double at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e3;
  }

  private static double ratio(long[] ours, long[] jdk, double q) {
    return at(ours, q) / at(jdk, q);
  }

  private static void print(String name, long[] sorted) {
    System.out.printf("  %-32s p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f%n", name,
        at(sorted, 0.5), at(sorted, 0.9), at(sorted, 0.99), sorted[sorted.length - 1] / 1e3);
  }

  private static String load() throws Exception {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }
}
