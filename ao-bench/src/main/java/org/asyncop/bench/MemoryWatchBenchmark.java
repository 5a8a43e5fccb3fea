package org.asyncop.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.watch.MemoryStore;
import org.asyncop.watch.Watches;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Watch fire latency on {@link MemoryStore}: a write, then the benchmark thread spins until the
 * watching operation's listener (on its loop) has heard it. {@code watchers} watches are live,
 * each on its own path ({@code /bench/w<i>}); each write goes to the next one in turn, so the
 * store must find the right watcher among all of them. {@code fire} (sample time) gives p50/p99 of
 * write-to-listener; {@code burst} writes {@value #BURST} values back to back and waits for the
 * last: events per second.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -jar
 * ao-bench/target/benchmarks.jar MemoryWatchBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Benchmark)
public class MemoryWatchBenchmark {
  static final int BURST = 100;

  @Param({"1", "100", "10000"})
  public int watchers;

  private AoContext ctx;
  private MemoryStore store;
  private Ao<Void> ao;
  private AtomicLongArray heard;
  private String[] paths;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    ctx = AoContext.builder().name("bench").build();
    store = new MemoryStore();
    ao = ctx.begin(AoHow.callback(o -> {}));
    ao.onCancel(ao::cancelled);
    heard = new AtomicLongArray(watchers);
    paths = new String[watchers];
    for (int i = 0; i < watchers; i++) {
      paths[i] = "/bench/w" + i;
      store.write(paths[i], "0"); // nodes exist: each write below is one change
      int k = i;
      Watches.watch(ao, store, paths[i], e -> heard.incrementAndGet(k));
    }
    while (store.watchCount() < watchers) {
      Thread.onSpinWait();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ao.cancel();
    ctx.close();
    store.close();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long fire() {
    int k = next;
    next = (k + 1) % watchers;
    long before = heard.get(k);
    store.write(paths[k], "v");
    long now;
    while ((now = heard.get(k)) == before) {
      Thread.onSpinWait();
    }
    return now;
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BURST)
  public long burst() {
    int k = next;
    next = (k + 1) % watchers;
    long target = heard.get(k) + BURST;
    for (int i = 0; i < BURST; i++) {
      store.write(paths[k], "v");
    }
    long now;
    while ((now = heard.get(k)) < target) {
      Thread.onSpinWait();
    }
    return now;
  }
}
