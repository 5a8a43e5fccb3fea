package org.asyncop.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.Watcher;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.watch.Watches;
import org.asyncop.watch.ZooKeeperStore;
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
 * Watch fire latency on ZooKeeper (a curator-test server in this JVM): a write through a plain
 * Curator client, then the benchmark thread spins until the watcher has heard it. {@code
 * watchers} watchers are live, each on its own znode; writes go to each in turn.
 *
 * <p>{@code impl}: {@code asyncop} is {@link Watches#watch} on a {@link ZooKeeperStore} (one
 * persistent recursive watch for the store, fanned out locally; the listener runs on the
 * operation's loop, told the path); {@code curatorWatch} is a persistent recursive watch per
 * znode made with plain Curator (the listener runs on ZooKeeper's event thread, no hand-off);
 * {@code curatorCache} is one Curator {@link
 * CuratorCache} per watched path (which also fetches the new data before its listener runs, and
 * may fold several writes into one change: for it, "heard" is the znode version it reflects).
 * {@code fire} (sample time) gives p50/p99; {@code burst} writes {@value #BURST} values
 * asynchronously and waits for the last: events per second.
 *
 * <p>The implementations run one after the other, minutes apart: on a shared machine their ratios
 * move with the load. {@link ZooKeeperWatchLatency} measures them interleaved, for ratios.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -jar
 * ao-bench/target/benchmarks.jar ZooKeeperWatchBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Benchmark)
public class ZooKeeperWatchBenchmark {
  static final int BURST = 100;
  private static final String NAMESPACE = "bench-ns";
  private static final byte[] VALUE = "=v".getBytes(StandardCharsets.UTF_8);

  @Param({"1", "100", "10000"})
  public int watchers;

  @Param({"asyncop", "curatorWatch", "curatorCache"})
  public String impl;

  private TestingServer server;
  private CuratorFramework writer;
  private AtomicLongArray heard;
  private String[] paths;
  private int next;
  // asyncop
  private AoContext ctx;
  private ZooKeeperStore store;
  private Ao<Void> ao;
  // curator
  private CuratorFramework watcher;
  private final List<CuratorCache> caches = new ArrayList<>();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    server = new TestingServer(true);
    writer = client();
    heard = new AtomicLongArray(watchers);
    paths = new String[watchers];
    // the store keeps its paths under its namespace znode: the writer writes the same znodes
    String prefix = impl.equals("asyncop") ? "/" + NAMESPACE : "";
    for (int i = 0; i < watchers; i++) {
      paths[i] = prefix + "/bench/w" + i;
      writer.create().creatingParentsIfNeeded().forPath(paths[i], VALUE);
    }
    switch (impl) {
      case "asyncop" -> {
        ctx = AoContext.builder().name("bench").build();
        store = ZooKeeperStore.builder(server.getConnectString()).namespace(NAMESPACE).build();
        ao = ctx.begin(AoHow.callback(o -> {}));
        ao.onCancel(ao::cancelled);
        for (int i = 0; i < watchers; i++) {
          int k = i;
          Watches.watch(ao, store, "/bench/w" + i, e -> heard.incrementAndGet(k));
        }
        while (store.watchCount() < watchers) {
          Thread.sleep(10);
        }
      }
      case "curatorWatch" -> {
        watcher = client();
        for (int i = 0; i < watchers; i++) {
          int k = i;
          Watcher w = e -> {
            if (e.getType() != Watcher.Event.EventType.None) {
              heard.incrementAndGet(k);
            }
          };
          watcher.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(w).forPath(paths[i]);
        }
      }
      case "curatorCache" -> {
        watcher = client();
        CountDownLatch loaded = new CountDownLatch(watchers);
        for (int i = 0; i < watchers; i++) {
          int k = i;
          CuratorCache c = CuratorCache.build(watcher, paths[i]);
          c.listenable().addListener(CuratorCacheListener.builder()
              // the cache may fold several writes into one change: count what it reflects
              .forChanges((a, b) -> heard.accumulateAndGet(k, b.getStat().getVersion(), Math::max))
              .forInitialized(loaded::countDown)
              .build());
          c.start();
          caches.add(c);
        }
        loaded.await();
      }
      default -> throw new IllegalStateException("Invalid impl: " + impl);
    }
  }

  private CuratorFramework client() {
    CuratorFramework c = CuratorFrameworkFactory.builder()
        .connectString(server.getConnectString())
        .retryPolicy(new ExponentialBackoffRetry(100, 3))
        .build();
    c.start();
    return c;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    if (ao != null) {
      ao.cancel();
      ctx.close();
      store.close();
    }
    caches.forEach(CuratorCache::close);
    if (watcher != null) {
      watcher.close();
    }
    writer.close();
    server.close();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long fire() throws Exception {
    int k = next;
    next = (k + 1) % watchers;
    long before = heard.get(k);
    writer.setData().forPath(paths[k], VALUE);
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
  public long burst() throws Exception {
    int k = next;
    next = (k + 1) % watchers;
    long target = heard.get(k) + BURST;
    for (int i = 0; i < BURST; i++) {
      writer.setData().inBackground().forPath(paths[k], VALUE);
    }
    long now;
    while ((now = heard.get(k)) < target) {
      Thread.onSpinWait();
    }
    return now;
  }
}
