package org.asyncop.bench;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The machine's floor for any cross-thread hand-off: how long a thread that has been parked for
 * {@value #IDLE_MS} ms takes to run after {@code LockSupport.unpark}, stamped by the woken thread.
 * Every latency path in this project that crosses threads (a cancel reaching its loop, an exit
 * reaching the reaper, the reaper posting to the loop) pays this once per hop, so it tells how
 * much of a measured tail is wake-ups and how much is something else (a compiler or GC thread
 * holding a core). Prints p50, p90, p99 and max.
 *
 * <p>Run: {@code java -cp ao-bench/target/benchmarks.jar org.asyncop.bench.IdleWake [samples]}
 * (default {@value #SAMPLES}).
 */
public final class IdleWake {
  static final int SAMPLES = 3000;
  static final int IDLE_MS = 2;

  private static volatile boolean go;
  private static volatile long wokeAt;

  private IdleWake() {}

  public static void main(String[] args) throws InterruptedException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : SAMPLES;
    Thread sleeper = new Thread(() -> {
      for (; ; ) {
        while (!go) {
          LockSupport.park();
        }
        go = false;
        wokeAt = System.nanoTime();
      }
    }, "idle-wake-sleeper");
    sleeper.setDaemon(true);
    sleeper.start();
    long[] delays = new long[n];
    for (int i = 0; i < n; i++) {
      Thread.sleep(IDLE_MS);
      wokeAt = 0;
      long t0 = System.nanoTime();
      go = true;
      LockSupport.unpark(sleeper);
      while (wokeAt == 0) {
        Thread.sleep(0, 100_000); // the measuring thread idles too, as a caller waiting would
      }
      delays[i] = wokeAt - t0;
    }
    Arrays.sort(delays);
    System.out.printf("unpark of a thread idle for %d ms -> it runs, %d samples (us):%n", IDLE_MS, n);
    System.out.printf("  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", at(delays, 0.5),
        at(delays, 0.9), at(delays, 0.99), delays[n - 1] / 1e3);
  }

  private static double at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e3;
  }
}
