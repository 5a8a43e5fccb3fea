package org.asyncop.bench;

import io.netty.util.HashedWheelTimer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.timers.Timers;

/**
 * Lateness of {@value #N} timers due 50 ms after they were set, all at once: p50 and p99 of (time
 * the callback ran - due time), over {@value #ROUNDS} rounds after {@value #WARMUP_ROUNDS} to warm up;
 * each round runs the three one after the other, each after a full collection. Ours (the loop parks until the next
 * due timer) beside {@link ScheduledThreadPoolExecutor} (one thread) and Netty's {@link
 * HashedWheelTimer} with a 1 ms tick. Not a JMH benchmark: it measures a distribution of
 * wall-clock delays, not the cost of a call.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.TimerLateness}
 */
public final class TimerLateness {
  static final int N = 10_000;
  static final int ROUNDS = 10;
  /**
   * Expiry runs only 10,000 times a round, so the JIT settles late: with 3 rounds of warm-up,
   * recompilations (of the wheel's cascade and of expiry, seen with -XX:+PrintCompilation) went
   * on into the measured rounds, one of which then fired its timers interpreted, at 1 us each.
   */
  static final int WARMUP_ROUNDS = 15;
  private static final long DELAY = TimeUnit.MILLISECONDS.toNanos(50);

  private TimerLateness() {}

  /** One implementation: set N timers of DELAY, each recording its lateness into late[i]. */
  interface Setter {
    void setAll(long[] late, CountDownLatch done) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    AoContext ctx = AoContext.create();
    Timers timers = Timers.of(ctx);
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
    ao.onCancel(ao::cancelled);
    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1);
    HashedWheelTimer netty = new HashedWheelTimer(1, TimeUnit.MILLISECONDS);
    netty.start();

    Setter ours = (late, done) -> {
      CompletableFuture<Void> set = new CompletableFuture<>();
      ao.execute(() -> { // on the loop: the fast path workflow code takes
        for (int i = 0; i < N; i++) {
          int k = i;
          long due = System.nanoTime() + DELAY;
          timers.sleep(ao, Duration.ofNanos(DELAY), rc -> {
            late[k] = System.nanoTime() - due;
            done.countDown();
          });
        }
        set.complete(null);
      });
      set.join();
    };
    Setter stpeSetter = (late, done) -> {
      for (int i = 0; i < N; i++) {
        int k = i;
        long due = System.nanoTime() + DELAY;
        stpe.schedule(() -> {
          late[k] = System.nanoTime() - due;
          done.countDown();
        }, DELAY, TimeUnit.NANOSECONDS);
      }
    };
    Setter nettySetter = (late, done) -> {
      for (int i = 0; i < N; i++) {
        int k = i;
        long due = System.nanoTime() + DELAY;
        netty.newTimeout(t -> {
          late[k] = System.nanoTime() - due;
          done.countDown();
        }, DELAY, TimeUnit.NANOSECONDS);
      }
    };

    long[][] results = new long[3][];
    Setter[] setters = {ours, stpeSetter, nettySetter};
    for (int s = 0; s < setters.length; s++) {
      results[s] = new long[0];
    }
    for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      for (int s = 0; s < setters.length; s++) {
        long[] late = new long[N];
        CountDownLatch done = new CountDownLatch(N);
        // a young collection of the rounds before, landing while the timers fire, would delay
        // every timer after it (10,000 samples at once: the whole p99), whichever is measured
        System.gc();
        setters[s].setAll(late, done);
        if (!done.await(30, TimeUnit.SECONDS)) {
          throw new AssertionError("timers did not fire");
        }
        if (round >= WARMUP_ROUNDS) {
          long[] all = Arrays.copyOf(results[s], results[s].length + N);
          System.arraycopy(late, 0, all, results[s].length, N);
          results[s] = all;
        }
      }
    }
    String[] names = {"ours", "STPE", "Netty HWT 1 ms tick"};
    System.out.printf("lateness of %,d timers due at 50 ms, %d rounds (ms)%n", N, ROUNDS);
    double[][] pct = new double[3][];
    for (int s = 0; s < 3; s++) {
      long[] r = results[s];
      Arrays.sort(r);
      pct[s] = new double[] {r[r.length / 2] / 1e6, r[(int) (r.length * 0.99)] / 1e6, r[0] / 1e6};
      System.out.printf("  %-20s p50 %7.3f  p99 %7.3f  min %7.3f%n", names[s], pct[s][0], pct[s][1],
          pct[s][2]);
    }
    System.out.printf("  p99 ours/STPE %.2f, ours/Netty %.2f%n", pct[0][1] / pct[1][1],
        pct[0][1] / pct[2][1]);
    ao.cancel();
    ctx.close();
    stpe.shutdownNow();
    netty.stop();
  }
}
