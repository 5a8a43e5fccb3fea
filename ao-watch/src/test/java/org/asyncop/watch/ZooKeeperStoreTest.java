package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

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
