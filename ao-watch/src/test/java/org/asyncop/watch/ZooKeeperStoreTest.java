package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ZooKeeperStoreTest extends WatchableStoreContract {
  static TestingServer server;
  static int namespaces;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZkServers.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Override
  WatchableStore newStore() {
    // a namespace per test keeps tests apart on the one server
    return ZooKeeperStore.builder(server.getConnectString()).namespace("t" + (++namespaces)).build();
  }

  @Test
  void close_stopsTheStoresThreads() {
    store.watch("/t", p -> {}, e -> {}); // the admin thread starts with the first watch
    assertTrue(DirectoryStoreTest.threadAlive("asyncop-zkstore-admin"));
    store.close();
    await().atMost(ofSeconds(10)).until(() -> !DirectoryStoreTest.threadAlive("asyncop-zkstore-admin"));
  }

  @Test
  void builder_badArguments_throwAtTheCall() {
    assertNpe("connectString", () -> ZooKeeperStore.builder(null));
    assertThrows(IllegalArgumentException.class, () -> ZooKeeperStore.builder("x").namespace("a/b"));
    assertThrows(IllegalArgumentException.class, () -> ZooKeeperStore.builder("x").sessionTimeout(Duration.ZERO));
  }

  @Test
  void build_unreachableServer_failsWithinTheConnectionTimeout() {
    assertThrows(
        StoreException.class,
        () -> ZooKeeperStore.builder("127.0.0.1:1").connectionTimeout(Duration.ofMillis(500)).build());
  }

  @Test
  void watches_shareOneServerWatch_removedWithTheLast() throws Exception {
    String ns = "/t" + namespaces;
    StoreWatch a = store.watch("/a", p -> {}, e -> {});
    StoreWatch b = store.watch("/b/c", p -> {}, e -> {});
    StoreWatch root = store.watch("/", p -> {}, e -> {});
    assertEquals(1, ZkServers.serverWatchedPaths(server, ns));
    a.close();
    root.close();
    a.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    root.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(1, ZkServers.serverWatchedPaths(server, ns), "one watch is left");
    b.close();
    b.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(0, ZkServers.serverWatchedPaths(server, ns));
    // and a new first watch adds it again, and hears
    ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
    try (StoreWatch again = store.watch("/a", heard::add, e -> {})) {
      assertEquals(1, ZkServers.serverWatchedPaths(server, ns));
      store.write("/a/x", "1");
      await().atMost(ofSeconds(10)).until(() -> heard.contains("/a/x"));
    }
  }

  /**
   * The race of the shared server watch: one thread's first watch adding it while another's last
   * watch removes it. Each thread watches its own path, writes it and must hear the write, then
   * closes the watch, many times over; a watch left without the server watch would wait forever.
   */
  @Test
  void firstAndLastWatchesRacing_everyWatchHearsItsWrite_andNoServerWatchIsLeft() throws Exception {
    int threads = 4;
    int rounds = 100;
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Racers.run(threads, errors, t -> {
      String path = "/race/t" + t;
      for (int i = 0; i < rounds; i++) {
        String value = Integer.toString(i);
        CountDownLatch heard = new CountDownLatch(1);
        // only this thread writes its path, and the last round's write was heard before its
        // watch closed: what this watch hears of its path is this round's write
        StoreWatch w = store.watch(path, p -> {
          if (p.equals(path)) {
            heard.countDown();
          }
        }, e -> {});
        store.write(path, value);
        if (!heard.await(10, TimeUnit.SECONDS)) {
          throw new AssertionError("round " + i + " of " + path + ": the write was not heard");
        }
        w.close();
        w.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    });
    assertEquals(List.of(), errors);
    assertNoWatchesLeft();
  }

  @Test
  void rootWatch_hearsItsNamespaceOnly_notOneWhoseNameStartsTheSame() {
    ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
    String ns = "t" + namespaces;
    try (ZooKeeperStore longer = ZooKeeperStore.builder(server.getConnectString()).namespace(ns + "x").build();
        StoreWatch w = store.watch("/", heard::add, e -> {})) {
      longer.write("/x", "other namespace");
      store.write("/y", "mine");
      await().atMost(ofSeconds(10)).until(() -> heard.contains("/y"));
      assertTrue(heard.stream().noneMatch(p -> p.equals("/x")), heard.toString());
    }
  }

  @Override
  int incrementsPerThread() {
    return 50;
  }

  @Override
  void assertNoWatchesLeft() throws Exception {
    assertEquals(0, ((ZooKeeperStore) store).watchCount());
    assertEquals(0, ZkServers.serverWatchedPaths(server, "/t" + namespaces));
  }
}
