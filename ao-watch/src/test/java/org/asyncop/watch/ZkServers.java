package org.asyncop.watch;

import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.client.FourLetterWordMain;

/** Real ZooKeeper servers for tests (curator-test), and what the server says about its watches. */
final class ZkServers {
  private ZkServers() {}

  static TestingServer start() throws Exception {
    System.setProperty("zookeeper.4lw.commands.whitelist", "wchs,wchp,ruok");
    return new TestingServer(true);
  }

  /**
   * How many paths under {@code prefix} the server holds watches on, from the {@code wchp}
   * four-letter word (Curator keeps a watch of its own on {@code /zookeeper/config}, outside).
   */
  static int serverWatchedPaths(TestingServer server, String prefix) throws Exception {
    String out = FourLetterWordMain.send4LetterWord("127.0.0.1", server.getPort(), "wchp");
    int n = 0;
    for (String line : out.split("\n")) {
      if (line.equals(prefix) || line.startsWith(prefix + "/")) {
        n++;
      }
    }
    return n;
  }
}
