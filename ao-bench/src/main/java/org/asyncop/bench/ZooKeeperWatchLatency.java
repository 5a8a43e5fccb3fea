package org.asyncop.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

/**
 * Watch fire latency on ZooKeeper, ours beside plain Curator, <b>interleaved</b>: the four
 * watcher sets are live at once on one server (each on its own znodes, through its own client),
 * and every round fires one write at each in turn, so a burst of load from elsewhere on a shared
 * machine hits all alike. {@link ZooKeeperWatchBenchmark} runs them one after the other,
 * minutes apart, and on a shared 2-core machine its ratios move with the load more than with the
 * code; this gives ratios measured under the same load.
 *
 * <p>What each does per write: {@code asyncop} is {@link Watches#watch} on a {@link
 * ZooKeeperStore} (the listener on the operation's loop, told the path); {@code curatorWatch} a
 * plain Curator persistent recursive watch per znode (the listener on ZooKeeper's event thread, no
 * hand-off); {@code curatorCache} a {@link CuratorCache} per znode (fetches the data, then calls
 * its listener on Curator's own thread); {@code curatorToThread} the plain persistent watch whose
 * listener hands each event to a thread of the user's (a single-thread executor): the work ours
 * does, whose listener runs on the operation's loop. Latency: write sent to listener ran (p50,
 * p99 over {@value #ROUNDS} rounds after {@value #WARMUP} to warm up); events/s: {@value #BURST}
 * asynchronous writes to one znode until the listener heard the last, {@value #BURSTS} times.
 *
 * <p>Run: {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -cp
 * ao-bench/target/benchmarks.jar org.asyncop.bench.ZooKeeperWatchLatency [watchers...]}
 * (default: 1 100 10000)
 */
public final class ZooKeeperWatchLatency {
  static final int ROUNDS = 3000;
  static final int WARMUP = 1000;
  static final int BURST = 100;
  static final int BURSTS = 40;
  private static final byte[] VALUE = "=v".getBytes(StandardCharsets.UTF_8);
  private static final String[] NAMES = {"asyncop", "curatorWatch", "curatorCache", "curatorToThread"};
  private static final int IMPLS = NAMES.length;

  private ZooKeeperWatchLatency() {}

  /** One watcher set: its znodes, and what its listeners heard per znode. */
  static final class WatcherSet {
    final String[] paths;
    final AtomicLongArray heard;
    /** Whether heard[] holds znode versions (CuratorCache may fold writes) rather than counts. */
    final boolean versions;
    int next;

    WatcherSet(String prefix, int n, boolean versions) {
      this.paths = new String[n];
      this.heard = new AtomicLongArray(n);
      this.versions = versions;
      for (int i = 0; i < n; i++) {
        paths[i] = prefix + "/w" + i;
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int[] counts = args.length == 0 ? new int[] {1, 100, 10_000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    for (int n : counts) {
      run(n);
    }
  }

  private static void run(int n) throws Exception {
    try (TestingServer server = new TestingServer(true)) {
      CuratorFramework writer = client(server);
      CuratorFramework plain = client(server);
      CuratorFramework cached = client(server);
      WatcherSet ours = new WatcherSet("/bench-ns/bench", n, false);
      WatcherSet watch = new WatcherSet("/cw", n, false);
      WatcherSet cache = new WatcherSet("/cc", n, true);
      WatcherSet handed = new WatcherSet("/ct", n, false);
      WatcherSet[] sets = {ours, watch, cache, handed};
      ExecutorService userThread = Executors.newSingleThreadExecutor();
      for (WatcherSet s : sets) {
        for (String p : s.paths) {
          writer.create().creatingParentsIfNeeded().forPath(p, VALUE);
        }
      }
      AoContext ctx = AoContext.builder().name("bench").build();
      ZooKeeperStore store = ZooKeeperStore.builder(server.getConnectString()).namespace("bench-ns").build();
      CountDownLatch ended = new CountDownLatch(1);
      Ao<Void> ao = ctx.begin(AoHow.callback(o -> ended.countDown()));
      ao.onCancel(ao::cancelled);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int k = i;
        Watches.watch(ao, store, "/bench/w" + i, e -> ours.heard.incrementAndGet(k));
      }
      while (store.watchCount() < n) {
        Thread.onSpinWait();
      }
      long oursSetup = System.nanoTime() - t0;
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int k = i;
        Watcher w = e -> {
          if (e.getType() != Watcher.Event.EventType.None) {
            watch.heard.incrementAndGet(k);
          }
        };
        plain.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(w).forPath(watch.paths[i]);
      }
      long plainSetup = System.nanoTime() - t0;
      for (int i = 0; i < n; i++) {
        int k = i;
        Watcher w = e -> {
          if (e.getType() != Watcher.Event.EventType.None) {
            userThread.execute(() -> handed.heard.incrementAndGet(k));
          }
        };
        plain.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(w).forPath(handed.paths[i]);
      }
      CountDownLatch loaded = new CountDownLatch(n);
      CuratorCache[] caches = new CuratorCache[n];
      for (int i = 0; i < n; i++) {
        int k = i;
        caches[i] = CuratorCache.build(cached, cache.paths[i]);
        caches[i].listenable().addListener(CuratorCacheListener.builder()
            .forChanges((a, b) -> cache.heard.accumulateAndGet(k, b.getStat().getVersion(), Math::max))
            .forInitialized(loaded::countDown)
            .build());
        caches[i].start();
      }
      loaded.await();

      long[][] lat = new long[IMPLS][ROUNDS];
      for (int r = -WARMUP; r < ROUNDS; r++) {
        for (int j = 0; j < IMPLS; j++) {
          int s = Math.floorMod(r + j, IMPLS); // rotate who goes first
          long t = fire(writer, sets[s]);
          if (r >= 0) {
            lat[s][r] = t;
          }
        }
      }
      long[][] burstNanos = new long[IMPLS][BURSTS];
      for (int b = 0; b < BURSTS; b++) {
        for (int j = 0; j < IMPLS; j++) {
          int s = (b + j) % IMPLS;
          burstNanos[s][b] = burst(writer, sets[s]);
        }
      }

      double[] p50 = new double[IMPLS];
      double[] p99 = new double[IMPLS];
      double[] evs = new double[IMPLS];
      for (int s = 0; s < IMPLS; s++) {
        Arrays.sort(lat[s]);
        p50[s] = lat[s][ROUNDS / 2] / 1e3;
        p99[s] = lat[s][ROUNDS * 99 / 100] / 1e3;
        long total = Arrays.stream(burstNanos[s]).sum();
        evs[s] = (double) BURST * BURSTS / (total / 1e9);
      }
      System.out.printf("watchers=%d%n", n);
      for (int s = 0; s < IMPLS; s++) {
        System.out.printf("  %-15s p50 %8.1f us  p99 %8.1f us  %9.0f events/s%n", NAMES[s], p50[s], p99[s], evs[s]);
      }
      for (int s = 1; s < IMPLS; s++) {
        System.out.printf("  ours/%-15s p50 %.2f  p99 %.2f  events/s %.2f%n",
            NAMES[s], p50[0] / p50[s], p99[0] / p99[s], evs[0] / evs[s]);
      }

      System.out.printf("  adding %d watches: ours %.1f ms, curatorWatch %.1f ms (one at a time)%n",
          n, oursSetup / 1e6, plainSetup / 1e6);
      t0 = System.nanoTime();
      ao.cancel(); // its hook ends it with CANCEL, delivered once every watch is removed (on the server too)
      ended.await();
      System.out.printf("  cancelling the operation of %d watches until its outcome: %.1f ms%n",
          n, (System.nanoTime() - t0) / 1e6);
      ctx.close();
      store.close();
      for (CuratorCache c : caches) {
        c.close();
      }
      cached.close();
      userThread.shutdown();
      plain.close();
      writer.close();
    }
  }

  private static CuratorFramework client(TestingServer server) throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder()
        .connectString(server.getConnectString())
        .retryPolicy(new ExponentialBackoffRetry(100, 3))
        .build();
    c.start();
    c.blockUntilConnected();
    return c;
  }

  /** One write to the set's next znode; nanoseconds until its listener heard it. */
  private static long fire(CuratorFramework writer, WatcherSet s) throws Exception {
    int k = s.next;
    s.next = (k + 1) % s.paths.length;
    long before = s.heard.get(k);
    long t0 = System.nanoTime();
    writer.setData().forPath(s.paths[k], VALUE);
    while (s.heard.get(k) == before) {
      Thread.onSpinWait();
    }
    return System.nanoTime() - t0;
  }

  /** BURST asynchronous writes to the set's next znode; nanoseconds until the last was heard. */
  private static long burst(CuratorFramework writer, WatcherSet s) throws Exception {
    int k = s.next;
    s.next = (k + 1) % s.paths.length;
    long target = s.heard.get(k) + BURST;
    long t0 = System.nanoTime();
    for (int i = 0; i < BURST; i++) {
      writer.setData().inBackground().forPath(s.paths[k], VALUE);
    }
    long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
    while (s.heard.get(k) < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("burst not heard within 30 s: " + s.paths[k]);
      }
      Thread.onSpinWait();
    }
    return System.nanoTime() - t0;
  }
}
