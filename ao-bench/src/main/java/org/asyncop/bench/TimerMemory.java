package org.asyncop.bench;

import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.DeadlineTimerWheel;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Rc;
import org.asyncop.timers.Timers;

/**
 * Retained heap per pending timer, with {@value #N} pending timeouts of 10 minutes: ours (the timer
 * and the cancel hook it pushes on its operation), {@link ScheduledThreadPoolExecutor}, Netty's
 * {@link HashedWheelTimer} and Agrona's {@link DeadlineTimerWheel}. Heap in use is read from the
 * MemoryMXBean after repeated {@code System.gc()} before and after scheduling; the caller keeps no
 * reference to the timers, so what is measured is what the library holds. Not a JMH benchmark: a
 * retained size is not a time.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -Xmx2g -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.TimerMemory}
 */
public final class TimerMemory {
  static final int N = 1_000_000;
  private static final Consumer<Rc> CALLBACK = rc -> {};
  private static final Runnable NOOP = () -> {};
  private static final TimerTask NETTY_NOOP = t -> {};

  private TimerMemory() {}

  public static void main(String[] args) throws Exception {
    double ours = ours();
    double stpe = stpe();
    double netty = netty();
    double agrona = agrona();
    System.out.printf("bytes per pending timer, %,d pending%n", N);
    System.out.printf("  ours (timer + hook) %6.1f%n", ours);
    System.out.printf("  STPE                %6.1f   ours/STPE   %.2f%n", stpe, ours / stpe);
    System.out.printf("  Netty HWT           %6.1f   ours/Netty  %.2f%n", netty, ours / netty);
    System.out.printf("  Agrona DTW          %6.1f   ours/Agrona %.2f%n", agrona, ours / agrona);
  }

  static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  static double ours() throws Exception {
    AoContext ctx = AoContext.create();
    Timers timers = Timers.of(ctx);
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
    ao.onCancel(ao::cancelled);
    // make the wheel exist before the measurement
    Loops.onLoop(ao.loop(), () -> timers.timeout(ao, Duration.ofSeconds(1), CALLBACK).close());
    long before = usedAfterGc();
    Loops.onLoop(ao.loop(), () -> {
      for (int i = 0; i < N; i++) {
        timers.timeout(ao, Duration.ofMinutes(10), CALLBACK);
      }
    });
    long after = usedAfterGc();
    ao.cancel();
    ctx.close();
    return (after - before) / (double) N;
  }

  static double stpe() throws Exception {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1);
    e.prestartAllCoreThreads();
    long before = usedAfterGc();
    for (int i = 0; i < N; i++) {
      e.schedule(NOOP, 10, TimeUnit.MINUTES);
    }
    long after = usedAfterGc();
    e.shutdownNow();
    return (after - before) / (double) N;
  }

  static double netty() throws Exception {
    HashedWheelTimer t = new HashedWheelTimer(1, TimeUnit.MILLISECONDS);
    t.start();
    long before = usedAfterGc();
    for (int i = 0; i < N; i++) {
      t.newTimeout(NETTY_NOOP, 10, TimeUnit.MINUTES);
    }
    Thread.sleep(500); // let the worker move them from its queue into the wheel
    long after = usedAfterGc();
    t.stop();
    return (after - before) / (double) N;
  }

  static double agrona() throws Exception {
    DeadlineTimerWheel w =
        new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), 1L << 20, 512);
    long before = usedAfterGc();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    for (int i = 0; i < N; i++) {
      // spread over its 512 spokes, as timers set over time are; one spoke holding them all
      // would make it grow every spoke to that size
      w.scheduleTimer(deadline + i * 600L);
    }
    long after = usedAfterGc();
    if (w.timerCount() != N) {
      throw new AssertionError("agrona lost timers");
    }
    return (after - before) / (double) N;
  }
}
