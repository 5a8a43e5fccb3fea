package org.asyncop.bench;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.AoLoop;
import org.asyncop.core.CancelHook;
import org.asyncop.core.Outcome;
import org.asyncop.core.Registration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one operation's life (begin, push 3 hooks, close them, complete, callback
 * delivered) beside a CompletableFuture with 3 {@code whenComplete} and a Guava SettableFuture
 * with 3 direct-executor listeners (the last of the 3 is the callback that counts), in the same
 * run. Every method runs a batch of {@link #N} lives and waits for the last callback, so the
 * figures are per life.
 *
 * <ul>
 *   <li>{@code onLoop*}: one task posted to the loop runs the whole batch there (how workflow code
 *       runs); the futures run in the same kind of task, for the same harness.
 *   <li>{@code outside*}: the benchmark thread begins each life; ours posts the rest of the life
 *       to the operation's loop, the futures are completed on another (single-thread) executor.
 *   <li>{@code onLoopCancelAo}: the life ends by {@code cancel()} of an operation with 3 hooks
 *       (one of them reports {@code cancelled()}): the CPU cost of a cancel.
 *   <li>{@code *Loops2}: the same on a context with two loops.
 * </ul>
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -jar
 * ao-bench/target/benchmarks.jar AoLifeBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AoLifeBenchmark {
  static final int N = 1000;
  private static final Object VALUE = "v";
  private static final CancelHook NOOP = () -> {};
  private static final BiConsumer<Object, Object> NOOP2 = (v, e) -> {};
  private static final Runnable NOOP_RUN = () -> {};

  private AoContext ctx1;
  private AoContext ctx2;
  private ExecutorService other;

  @Setup
  public void setup() {
    ctx1 = AoContext.builder().loops(1).name("bench1").build();
    ctx2 = AoContext.builder().loops(2).name("bench2").build();
    other = Executors.newSingleThreadExecutor();
  }

  @TearDown
  public void tearDown() throws InterruptedException {
    ctx1.close();
    ctx2.close();
    other.shutdown();
    other.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** Counts the callbacks of one batch and completes {@link #done} with the last one. */
  static final class Countdown
      implements Consumer<Outcome<Object>>, BiConsumer<Object, Throwable>, Runnable {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicInteger left;

    Countdown(int n) {
      left = new AtomicInteger(n);
    }

    @Override
    public void run() {
      if (left.decrementAndGet() == 0) {
        done.complete(null);
      }
    }

    @Override
    public void accept(Outcome<Object> o) {
      run();
    }

    @Override
    public void accept(Object v, Throwable e) {
      run();
    }
  }

  // ---------------------------------------------------------------- one life

  static void aoLife(AoContext ctx, Countdown cb) {
    Ao<Object> ao = ctx.begin(AoHow.callback(cb));
    hooksAndComplete(ao);
  }

  static void hooksAndComplete(Ao<Object> ao) {
    Registration a = ao.onCancel(NOOP);
    Registration b = ao.onCancel(NOOP);
    Registration c = ao.onCancel(NOOP);
    c.close();
    b.close();
    a.close();
    ao.complete(VALUE);
  }

  static void aoCancelLife(AoContext ctx, Countdown cb) {
    Ao<Object> ao = ctx.begin(AoHow.callback(cb));
    ao.onCancel(NOOP);
    ao.onCancel(NOOP);
    ao.onCancel(ao::cancelled);
    ao.cancel();
  }

  static CompletableFuture<Object> cfWithListeners(Countdown cb) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    f.whenComplete(NOOP2);
    f.whenComplete(NOOP2);
    f.whenComplete(cb);
    return f;
  }

  static SettableFuture<Object> guavaWithListeners(Countdown cb) {
    SettableFuture<Object> f = SettableFuture.create();
    f.addListener(NOOP_RUN, MoreExecutors.directExecutor());
    f.addListener(NOOP_RUN, MoreExecutors.directExecutor());
    f.addListener(cb, MoreExecutors.directExecutor());
    return f;
  }

  // ---------------------------------------------------------------- on the loop

  /** Runs {@code n} lives in one task on {@code loop}; returns the countdown to wait for. */
  private static Countdown batchOn(AoLoop loop, int n, Consumer<Countdown> life) {
    Countdown cb = new Countdown(n);
    loop.execute(
        () -> {
          for (int i = 0; i < n; i++) {
            life.accept(cb);
          }
        });
    return cb;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopAo() {
    batchOn(ctx1.loops().get(0), N, cb -> aoLife(ctx1, cb)).done.join();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopCompletableFuture() {
    batchOn(ctx1.loops().get(0), N, cb -> cfWithListeners(cb).complete(VALUE)).done.join();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopGuava() {
    batchOn(ctx1.loops().get(0), N, cb -> guavaWithListeners(cb).set(VALUE)).done.join();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopCancelAo() {
    batchOn(ctx1.loops().get(0), N, cb -> aoCancelLife(ctx1, cb)).done.join();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopAoLoops2() {
    Countdown a = batchOn(ctx2.loops().get(0), N / 2, cb -> aoLife(ctx2, cb));
    Countdown b = batchOn(ctx2.loops().get(1), N / 2, cb -> aoLife(ctx2, cb));
    a.done.join();
    b.done.join();
  }

  // ---------------------------------------------------------------- from outside

  private static void outsideAo(AoContext ctx) {
    Countdown cb = new Countdown(N);
    for (int i = 0; i < N; i++) {
      Ao<Object> ao = ctx.begin(AoHow.callback(cb));
      ao.execute(() -> hooksAndComplete(ao));
    }
    cb.done.join();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void outsideAo() {
    outsideAo(ctx1);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void outsideAoLoops2() {
    outsideAo(ctx2);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void outsideCompletableFuture() {
    Countdown cb = new Countdown(N);
    for (int i = 0; i < N; i++) {
      CompletableFuture<Object> f = cfWithListeners(cb);
      other.execute(() -> f.complete(VALUE));
    }
    cb.done.join();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void outsideGuava() {
    Countdown cb = new Countdown(N);
    for (int i = 0; i < N; i++) {
      SettableFuture<Object> f = guavaWithListeners(cb);
      other.execute(() -> f.set(VALUE));
    }
    cb.done.join();
  }
}
