package org.asyncop.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.AoContext;
import org.asyncop.examples.acceptor.EchoServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Echo round trips over loopback with 100 concurrent clients (100 JMH threads, one blocking
 * socket each, 64-byte messages): the supervised {@link EchoServer} of ao-examples (a loop, channel
 * watches on the loop's own selector, a supervised operation per connection) beside {@link
 * PlainNioEchoServer}, a one-thread selector loop written the usual way, in the same run.
 * Throughput mode gives round trips per second (the sum over the threads); sample mode gives the
 * latency percentiles (p0.99).
 *
 * <pre>{@code
 * mvn -B -q -o -pl ao-bench -am package -DskipTests
 * java -jar ao-bench/target/benchmarks.jar EchoBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
 * java -jar ao-bench/target/benchmarks.jar EchoBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -bm sample -t 1
 * }</pre>
 *
 * <p>The second line measures one client: the latency of one round trip through each server, where
 * the server's own path counts most (with 100 clients on 2 cores the clients are the bottleneck).
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(100)
public class EchoBenchmark {
  private static final int MESSAGE = 64;

  /** The server under test, shared by the client threads. */
  @State(Scope.Benchmark)
  public static class Server {
    @Param({"asyncop", "plainNio"})
    public String server;

    AoContext ctx;
    EchoServer ours;
    PlainNioEchoServer plain;
    int port;

    @Setup(Level.Trial)
    public void start() throws Exception {
      if (server.equals("asyncop")) {
        ctx = AoContext.builder().name("bench-echo").build();
        ours = EchoServer.start(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = ours.port();
      } else {
        plain = new PlainNioEchoServer();
        port = plain.port();
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
      if (ours != null) {
        ours.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
        ctx.close();
      }
      if (plain != null) {
        plain.close();
      }
    }
  }

  /** One client connection per thread. */
  @State(Scope.Thread)
  public static class Client {
    Socket socket;
    OutputStream out;
    InputStream in;
    final byte[] message = new byte[MESSAGE];
    final byte[] reply = new byte[MESSAGE];

    @Setup(Level.Trial)
    public void connect(Server s) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), s.port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      socket.close();
    }
  }

  /** One round trip: send a message, read the whole echo back. */
  @Benchmark
  public byte[] roundTrip(Client c) throws IOException {
    c.out.write(c.message);
    int got = 0;
    while (got < MESSAGE) {
      int n = c.in.read(c.reply, got, MESSAGE - got);
      if (n < 0) {
        throw new IOException("the server closed the connection");
      }
      got += n;
    }
    return c.reply;
  }
}
