package org.asyncop.examples.acceptor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;

/**
 * Runs an {@link EchoServer} on 127.0.0.1 and takes commands on standard input: {@code stats}
 * prints the counters, {@code stop} stops the server and exits. It prints {@code PORT n} once it
 * listens. Tests run it in a child JVM with a lowered descriptor limit, with {@code --preload}:
 * what the JVM sets up lazily may need a descriptor of its own (a class read from a class path
 * directory, the socket pair the JDK's first socket write or close opens, the time zone data the
 * first log line reads), and would fail, or kill the loop, once the descriptors are exhausted. So
 * it loads the project's classes and makes one echo round trip and one log line before it serves,
 * as a daemon meant to run at its descriptor limit must. By hand:
 *
 * <pre>{@code
 * mvn -B -q -o -pl ao-examples -am package -DskipTests
 * java -cp ao-examples/target/ao-examples.jar org.asyncop.examples.acceptor.EchoServerMain [port [--preload]]
 * }</pre>
 */
public final class EchoServerMain {
  private EchoServerMain() {}

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    if (args.length > 1 && args[1].equals("--preload")) {
      preload();
    }
    try (AoContext ctx = AoContext.builder().name("echo").build()) {
      EchoServer server = EchoServer.start(ctx,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).toCompletableFuture().join();
      if (args.length > 1 && args[1].equals("--preload")) {
        warmUp(server.port());
      }
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

  /** One echo round trip through the server, and one log line. */
  private static void warmUp(int port) throws IOException {
    try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
      ByteBuffer b = ByteBuffer.wrap("warm-up".getBytes(StandardCharsets.US_ASCII));
      c.write(b);
      b.clear();
      while (b.hasRemaining() && c.read(b) >= 0) {
        // until the echo is back
      }
    }
    System.getLogger("org.asyncop").log(System.Logger.Level.INFO, "echo server warmed up on port " + port);
  }

  /** Loads every class under {@code org/asyncop} in the class path's directories. */
  static void preload() throws IOException {
    ClassLoader loader = EchoServerMain.class.getClassLoader();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path root = Path.of(entry);
      Path dir = root.resolve("org/asyncop");
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
          String rel = root.relativize(f).toString();
          String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
          try {
            Class.forName(name, false, loader);
          } catch (ClassNotFoundException | LinkageError e) {
            // a test class whose dependencies are elsewhere: not needed by the server
          }
        }
      }
    }
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
