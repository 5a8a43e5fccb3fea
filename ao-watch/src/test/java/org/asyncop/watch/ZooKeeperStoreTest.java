package org.asyncop.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
