package org.asyncop.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class ZooKeeperStoreTest extends WatchableStoreContract {
  static TestingServer server;
  static int namespaces;
  /** The server's watches when the test's store was opened (Curator keeps one of its own). */
  int baseline;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZkServers.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Override
  WatchableStore newStore() throws Exception {
    // a namespace per test keeps tests apart on the one server
    ZooKeeperStore s = ZooKeeperStore.builder(server.getConnectString()).namespace("t" + (++namespaces)).build();
    try {
      baseline = ZkServers.serverWatchCount(server);
    } catch (Exception e) {
      s.close();
      throw e;
    }
    return s;
  }

  @Override
  int incrementsPerThread() {
    return 50;
  }

  @Override
  void assertNoWatchesLeft() throws Exception {
    assertEquals(0, ((ZooKeeperStore) store).watchCount());
    assertEquals(baseline, ZkServers.serverWatchCount(server));
  }
}
