package org.asyncop.examples.acceptor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;

/**
 * Runs an {@link EchoServer} on 127.0.0.1 and takes commands on standard input: {@code stats}
 * prints the counters, {@code stop} stops the server and exits. It prints {@code PORT n} once it
 * listens. Tests run it in a child JVM with a lowered descriptor limit; by hand:
 *
 * <pre>{@code
 * mvn -B -q -o -pl ao-examples -am package -DskipTests
 * java -cp ao-examples/target/ao-examples.jar org.asyncop.examples.acceptor.EchoServerMain [port]
 * }</pre>
 */
public final class EchoServerMain {
  private EchoServerMain() {}

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    try (AoContext ctx = AoContext.builder().name("echo").build()) {
      EchoServer server = EchoServer.start(ctx,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).toCompletableFuture().join();
      System.out.println("PORT " + server.port());
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.equals("stats")) {
          System.out.println("STATS accepted=" + server.accepted() + " open=" + server.openConnections()
              + " backoffs=" + server.acceptBackoffs() + " restarts=" + server.acceptorRestarts()
              + " fds=" + openFds());
        } else if (line.equals("stop")) {
          break;
        }
        System.out.flush();
      }
      Outcome<Void> o = server.stop().toCompletableFuture().join();
      System.out.println("STOPPED " + o.rc() + " open=" + server.openConnections());
    }
    System.out.flush();
  }

  /** Open descriptors of this process (Linux), or -1 where /proc is missing. */
  static long openFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    } catch (IOException e) {
      return -1;
    }
  }
}
