package org.asyncop.examples.acceptor;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/** Blocking test clients, and the descriptors of this process. */
public final class Sockets {
  private Sockets() {}

  static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(20_000);
    return s;
  }

  /** Sends {@code n} random bytes and checks that the same come back. */
  static void echo(Socket s, int n) throws IOException {
    byte[] out = new byte[n];
    ThreadLocalRandom.current().nextBytes(out);
    s.getOutputStream().write(out);
    byte[] in = s.getInputStream().readNBytes(n);
    if (!Arrays.equals(out, in)) {
      throw new AssertionError("the echo differs (" + in.length + " of " + n + " bytes came back)");
    }
  }

  /** Whether the server closed the connection: the next read sees end of stream. */
  static boolean closedByServer(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    return in.read() < 0;
  }

  /**
   * The sockets this process has open once the JDK has set up what it opens lazily, for good (on
   * JDK 17, the socket it keeps for closing channels that a selector still holds): a whole server
   * lifecycle runs first.
   */
  static long openSocketsAfterWarmUp() throws Exception {
    try (org.asyncop.core.AoContext ctx = org.asyncop.core.AoContext.builder().name("warm-up").build()) {
      EchoServer server = EchoServer.start(ctx,
          new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).toCompletableFuture().get();
      try (Socket s = connect(server.port())) {
        echo(s, 10);
        server.stop().toCompletableFuture().get();
      }
    }
    return openSockets();
  }

  /** The sockets this process has open (Linux): descriptors that link to {@code socket:[...]}. */
  public static long openSockets() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().startsWith("socket:");
        } catch (IOException e) {
          return false; // closed while we looked
        }
      }).count();
    }
  }
}
