package org.asyncop.watch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.client.FourLetterWordMain;

/** Real ZooKeeper servers for tests (curator-test), and what the server says about its watches. */
final class ZkServers {
  private static final Pattern TOTAL = Pattern.compile("Total watches:(\\d+)");

  private ZkServers() {}

  static TestingServer start() throws Exception {
    System.setProperty("zookeeper.4lw.commands.whitelist", "wchs,wchp,wchc,ruok");
    return new TestingServer(true);
  }

  /** The server's total watch count, from the {@code wchs} four-letter word. */
  static int serverWatchCount(TestingServer server) throws Exception {
    String out = FourLetterWordMain.send4LetterWord("127.0.0.1", server.getPort(), "wchs");
    Matcher m = TOTAL.matcher(out);
    if (!m.find()) {
      throw new AssertionError("unexpected wchs answer: " + out);
    }
    return Integer.parseInt(m.group(1));
  }
}
