package org.asyncop.bench;

import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.DeadlineTimerWheel;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHook;
import org.asyncop.core.Rc;
import org.asyncop.timers.Timers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Add, then cancel, one timeout of 10 s: the common case, since most timeouts never fire. Ours on
 * the operation's loop (a batch of {@value #BATCH} inside one loop task, as workflow code runs
 * there) and from a foreign thread (each add posted to the loop), beside {@link
 * ScheduledThreadPoolExecutor} with and without {@code removeOnCancel}, Netty's {@link
 * HashedWheelTimer} (1 ms tick) and Agrona's single-threaded {@link DeadlineTimerWheel} (the lower
 * bound: no thread, no hook). Every variant reads the clock once per add, except ours on the loop,
 * which reads it once per 64 adds: a deadline there is stamped with the loop's next clock reading
 * (see {@code Timers}).
 * {@code coreHookOnlyOnLoop} is a reference line: the core's {@code onCancel(hook).close()} alone,
 * the part of ours that is not the timer. {@code clockRead} is another: one {@code
 * System.nanoTime()}, what the others pay per add. {@link TimerCpu} measures the same in CPU time.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -jar
 * ao-bench/target/benchmarks.jar TimerBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class TimerBenchmark {
  static final int BATCH = 100_000;
  static final Duration TEN_SECONDS = Duration.ofSeconds(10);
  static final long TEN_SECONDS_NANOS = TEN_SECONDS.toNanos();
  static final Consumer<Rc> CALLBACK = rc -> {};
  static final Runnable NOOP = () -> {};
  static final TimerTask NETTY_NOOP = t -> {};
  static final CancelHook NO_HOOK = () -> {};

  private AoContext ctx;
  private Timers timers;
  private Ao<Void> ao;
  private Runnable onLoopBatch;
  private Runnable hookOnlyBatch;
  private ScheduledThreadPoolExecutor stpeRemoving;
  private ScheduledThreadPoolExecutor stpeKeeping;
  private HashedWheelTimer netty;
  private DeadlineTimerWheel agrona;

  @Setup(Level.Trial)
  public void setUp() {
    ctx = AoContext.create();
    timers = Timers.of(ctx);
    ao = ctx.begin(AoHow.callback(o -> {}));
    ao.onCancel(ao::cancelled);
    onLoopBatch = () -> {
      for (int i = 0; i < BATCH; i++) {
        timers.timeout(ao, TEN_SECONDS, CALLBACK).close();
      }
    };
    hookOnlyBatch = () -> {
      for (int i = 0; i < BATCH; i++) {
        ao.onCancel(NO_HOOK).close();
      }
    };
    stpeRemoving = new ScheduledThreadPoolExecutor(1);
    stpeRemoving.setRemoveOnCancelPolicy(true);
    stpeKeeping = new ScheduledThreadPoolExecutor(1);
    netty = new HashedWheelTimer(1, TimeUnit.MILLISECONDS);
    netty.start();
    agrona = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), 1L << 20, 512);
  }

  @TearDown(Level.Iteration)
  public void purgeCancelledTasks() {
    stpeKeeping.purge(); // without removeOnCancel they would pile up for 10 s
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ao.cancel();
    ctx.close();
    stpeRemoving.shutdownNow();
    stpeKeeping.shutdownNow();
    netty.stop();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void oursOnLoop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ao.execute(() -> {
      onLoopBatch.run();
      done.complete(null);
    });
    done.join();
  }

  /** Reference: what the core's hook push and removal alone cost, on the loop (no timer). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void coreHookOnlyOnLoop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ao.execute(() -> {
      hookOnlyBatch.run();
      done.complete(null);
    });
    done.join();
  }

  /** Reference: one clock read, which every variant makes per add. */
  @Benchmark
  public long clockRead() {
    return System.nanoTime();
  }

  @Benchmark
  public void oursFromAnotherThread() {
    timers.timeout(ao, TEN_SECONDS, CALLBACK).close();
  }

  @Benchmark
  public boolean stpeRemoveOnCancel() {
    return stpeRemoving.schedule(NOOP, 10, TimeUnit.SECONDS).cancel(false);
  }

  @Benchmark
  public boolean stpeKeepCancelled() {
    return stpeKeeping.schedule(NOOP, 10, TimeUnit.SECONDS).cancel(false);
  }

  @Benchmark
  public boolean nettyHashedWheelTimer() {
    return netty.newTimeout(NETTY_NOOP, 10, TimeUnit.SECONDS).cancel();
  }

  @Benchmark
  public boolean agronaDeadlineTimerWheel() {
    return agrona.cancelTimer(agrona.scheduleTimer(System.nanoTime() + TEN_SECONDS_NANOS));
  }
}
