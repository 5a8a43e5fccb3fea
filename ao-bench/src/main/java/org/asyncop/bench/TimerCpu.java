package org.asyncop.bench;

import static org.asyncop.bench.TimerBenchmark.CALLBACK;
import static org.asyncop.bench.TimerBenchmark.NETTY_NOOP;
import static org.asyncop.bench.TimerBenchmark.NOOP;
import static org.asyncop.bench.TimerBenchmark.NO_HOOK;
import static org.asyncop.bench.TimerBenchmark.TEN_SECONDS;
import static org.asyncop.bench.TimerBenchmark.TEN_SECONDS_NANOS;

import io.netty.util.HashedWheelTimer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.DeadlineTimerWheel;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.timers.Timers;

/**
 * {@link TimerBenchmark}'s add-then-cancel of a 10 s timeout, measured in CPU time instead of
 * elapsed time: on a shared 2-core machine elapsed time counts the time other processes held the
 * core, CPU time does not. Each round runs every variant once, {@value #OPS} add+cancel each, and
 * charges it the CPU time of every Java thread of this JVM (the caller, our loop, Netty's worker,
 * the executors' threads: a library's own thread works for it too), read after a pause that lets
 * those threads finish what the batch handed them. Each figure is the best of {@value #ROUNDS}
 * rounds, after {@value #WARMUP} rounds to warm up. Garbage collection runs outside Java threads
 * and is not counted: see {@code TimerBenchmark -prof gc} for the bytes each variant allocates.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.TimerCpu}
 */
public final class TimerCpu {
  static final int OPS = 200_000;
  static final int ROUNDS = 15;
  static final int WARMUP = 5;
  // the delays, callbacks and hooks are TimerBenchmark's (imported), so both time the same calls
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Keeps results alive so the JIT cannot drop the work. */
  static volatile long sink;

  private TimerCpu() {}

  public static void main(String[] args) {
    AoContext ctx = AoContext.create();
    Timers timers = Timers.of(ctx);
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
    ao.onCancel(ao::cancelled);
    ScheduledThreadPoolExecutor stpeRemoving = new ScheduledThreadPoolExecutor(1);
    stpeRemoving.setRemoveOnCancelPolicy(true);
    ScheduledThreadPoolExecutor stpeKeeping = new ScheduledThreadPoolExecutor(1);
    HashedWheelTimer netty = new HashedWheelTimer(1, TimeUnit.MILLISECONDS);
    netty.start();
    DeadlineTimerWheel agrona =
        new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), 1L << 20, 512);

    Map<String, Runnable> variants = new LinkedHashMap<>();
    variants.put("ours on the loop", () -> Loops.onLoop(ao.loop(), () -> {
      for (int i = 0; i < OPS; i++) {
        timers.timeout(ao, TEN_SECONDS, CALLBACK).close();
      }
    }));
    variants.put("  core hook alone, on the loop", () -> Loops.onLoop(ao.loop(), () -> {
      for (int i = 0; i < OPS; i++) {
        ao.onCancel(NO_HOOK).close();
      }
    }));
    variants.put("  one clock read", () -> {
      long s = 0;
      for (int i = 0; i < OPS; i++) {
        s += System.nanoTime();
      }
      sink = s;
    });
    variants.put("ours from another thread", () -> {
      for (int i = 0; i < OPS; i++) {
        timers.timeout(ao, TEN_SECONDS, CALLBACK).close();
      }
    });
    variants.put("Agrona DeadlineTimerWheel", () -> {
      long s = 0;
      for (int i = 0; i < OPS; i++) {
        s += agrona.cancelTimer(agrona.scheduleTimer(System.nanoTime() + TEN_SECONDS_NANOS))
            ? 1 : 0;
      }
      sink = s;
    });
    variants.put("Netty HashedWheelTimer", () -> {
      long s = 0;
      for (int i = 0; i < OPS; i++) {
        s += netty.newTimeout(NETTY_NOOP, 10, TimeUnit.SECONDS).cancel() ? 1 : 0;
      }
      sink = s;
    });
    variants.put("STPE removeOnCancel", () -> {
      long s = 0;
      for (int i = 0; i < OPS; i++) {
        s += stpeRemoving.schedule(NOOP, 10, TimeUnit.SECONDS).cancel(false) ? 1 : 0;
      }
      sink = s;
    });
    variants.put("STPE keeping cancelled", () -> {
      long s = 0;
      for (int i = 0; i < OPS; i++) {
        s += stpeKeeping.schedule(NOOP, 10, TimeUnit.SECONDS).cancel(false) ? 1 : 0;
      }
      sink = s;
    });

    String loadBefore = load();
    Map<String, Double> best = new LinkedHashMap<>();
    for (int round = 0; round < WARMUP + ROUNDS; round++) {
      for (Map.Entry<String, Runnable> v : variants.entrySet()) {
        settle();
        long before = allThreadsCpu();
        v.getValue().run();
        settle(); // the libraries' own threads finish what the batch handed them
        double ns = (allThreadsCpu() - before) / (double) OPS;
        stpeKeeping.purge(); // outside the measure: without removeOnCancel they would pile up
        if (round >= WARMUP) {
          best.merge(v.getKey(), ns, Math::min);
        }
      }
    }
    System.out.printf("CPU ns per add+cancel of a 10 s timeout, all Java threads, best of %d"
        + " rounds of %,d (load average before %s, after %s)%n", ROUNDS, OPS, loadBefore, load());
    best.forEach((k, v) -> System.out.printf("  %-32s %7.1f%n", k, v));
    double ours = best.get("ours on the loop");
    System.out.printf("  ours on the loop / Agrona %.2f, / Netty %.2f, / STPE removeOnCancel %.2f,"
        + " / STPE keeping %.2f%n", ours / best.get("Agrona DeadlineTimerWheel"),
        ours / best.get("Netty HashedWheelTimer"), ours / best.get("STPE removeOnCancel"),
        ours / best.get("STPE keeping cancelled"));
    System.out.printf("  ours from another thread / Netty %.2f%n",
        best.get("ours from another thread") / best.get("Netty HashedWheelTimer"));

    ao.cancel();
    ctx.close();
    stpeRemoving.shutdownNow();
    stpeKeeping.shutdownNow();
    netty.stop();
  }

  /** A pause of 20 ms: Netty's worker ticks every millisecond. */
  private static void settle() {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
  }

  private static long allThreadsCpu() {
    long sum = 0;
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t > 0) {
        sum += t;
      }
    }
    return sum;
  }

  private static String load() {
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format("%.2f", load);
  }
}
