package org.asyncop.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.File;
import java.lang.management.ManagementFactory;
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
 * Spawn and reap {@code /bin/true}, ours and ProcessBuilder + waitFor, in alternating blocks of
 * {@value #BLOCK} so that both sides see the same load (see {@link ProcessCancelPairs} for why;
 * {@link ProcessBenchmark}'s spawn group runs the sides one after the other). Ours runs with every
 * guarantee on, as in ProcessBenchmark. Prints each side's rate over all its blocks and the median
 * of its block rates, the CPU time this JVM spent per spawn (all its threads; the children's own
 * time is not counted), which a loaded machine disturbs less than the rate, the ratios ours/JDK,
 * the JDK's launch mechanism, and the load average before and after.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.ProcessSpawnPairs [blocks]} (default
 * {@value #BLOCKS} blocks a side after {@value #WARMUP_BLOCKS} to warm up); add {@code
 * -Djdk.lang.Process.launchMechanism=VFORK} before {@code -cp} to compare with VFORK.
 */
public final class ProcessSpawnPairs {
  static final int BLOCK = 100;
  static final int BLOCKS = 20;
  static final int WARMUP_BLOCKS = 4;

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ProcessSpawnPairs() {}

  /** One side: spawns and reaps BLOCK children. */
  interface Side {
    void block() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int blocks = args.length > 0 ? Integer.parseInt(args[0]) : BLOCKS;
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    ProcessSpec spec = ProcessSpec.of("/bin/true");
    ProcessBuilder pb = new ProcessBuilder("/bin/true")
        .redirectInput(new File("/dev/null"))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    double[] oursRates = new double[blocks];
    double[] jdkRates = new double[blocks];
    long oursNanos = 0;
    long jdkNanos = 0;
    long oursCpu = 0;
    long jdkCpu = 0;
    try (AoContext ctx = AoContext.builder().name("spawn-pairs").build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      Side ours = () -> {
        for (int i = 0; i < BLOCK; i++) {
          CompletableFuture<ChildExit> exit = new CompletableFuture<>();
          Ao<ChildExit> ao = ctx.begin(AoHow.callback(o -> { }));
          procs.spawn(ao, spec, e -> {
            exit.complete(e);
            ao.complete(e);
          });
          exit.join();
        }
      };
      Side jdk = () -> {
        for (int i = 0; i < BLOCK; i++) {
          pb.start().waitFor();
        }
      };
      for (int b = 0; b < WARMUP_BLOCKS + blocks; b++) {
        boolean oursFirst = (b & 1) == 0;
        long c0 = OS.getProcessCpuTime();
        long x = time(oursFirst ? ours : jdk);
        long c1 = OS.getProcessCpuTime();
        long y = time(oursFirst ? jdk : ours);
        long c2 = OS.getProcessCpuTime();
        long o = oursFirst ? x : y;
        long j = oursFirst ? y : x;
        if (b >= WARMUP_BLOCKS) {
          oursCpu += oursFirst ? c1 - c0 : c2 - c1;
          jdkCpu += oursFirst ? c2 - c1 : c1 - c0;
          oursRates[b - WARMUP_BLOCKS] = BLOCK / (o / 1e9);
          jdkRates[b - WARMUP_BLOCKS] = BLOCK / (j / 1e9);
          oursNanos += o;
          jdkNanos += j;
        }
      }
    }
    Arrays.sort(oursRates);
    Arrays.sort(jdkRates);
    double oursAll = (double) blocks * BLOCK / (oursNanos / 1e9);
    double jdkAll = (double) blocks * BLOCK / (jdkNanos / 1e9);
    System.out.printf("spawn and reap /bin/true, %d blocks of %d a side (spawns/s); JDK launch"
        + " mechanism %s%n", blocks, BLOCK,
        System.getProperty("jdk.lang.Process.launchMechanism", "default"));
    System.out.printf("  load average before: %s%n", loadBefore);
    double n = (double) blocks * BLOCK;
    System.out.printf("  %-28s all %6.0f  median block %6.0f  JVM CPU %5.1f us/spawn%n", "ours",
        oursAll, oursRates[blocks / 2], oursCpu / n / 1e3);
    System.out.printf("  %-28s all %6.0f  median block %6.0f  JVM CPU %5.1f us/spawn%n",
        "ProcessBuilder + waitFor", jdkAll, jdkRates[blocks / 2], jdkCpu / n / 1e3);
    System.out.printf("  ours/JDK: all %.2f  median block %.2f  CPU %.2f%n", oursAll / jdkAll,
        oursRates[blocks / 2] / jdkRates[blocks / 2], (double) oursCpu / jdkCpu);
    System.out.printf("  load average after: %s%n",
        Files.readString(Path.of("/proc/loadavg")).trim());
  }

  private static long time(Side side) throws Exception {
    long t0 = System.nanoTime();
    side.block();
    return System.nanoTime() - t0;
  }
}
