package org.asyncop.examples.acceptor;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;
import org.asyncop.supervise.ChildInfo;
import org.asyncop.supervise.RestartPolicy;
import org.asyncop.supervise.ServiceKey;
import org.asyncop.supervise.Supervisor;
import org.asyncop.watch.Channels;
import org.jspecify.annotations.Nullable;

/**
 * A TCP echo server on channel watches, under a {@link Supervisor}: the acceptor is one service
 * (restarted after a failure, within the supervisor's intensity limit), and every connection is
 * a service of its own.
 *
 * <p>Threads: every method is safe from any thread. The server runs on one loop of its context;
 * the counters may be read at any time.
 */
public final class EchoServer {
  /*
   * Overview. start() begins the supervisor and starts the acceptor service, whose factory binds
   * the listening socket (the port is known once that stage completes). Each accepted socket
   * becomes a connection service (policy never: a connection that ends is gone); if the
   * supervisor refuses it (it is stopping), the socket is closed at once. stop() stops the
   * acceptor first, so nothing new comes in, then the supervisor, which stops the connections
   * newest first and waits for each: when its stage completes, every socket is closed.
   */
  static final ServiceKey<String, Void> ACCEPTOR = ServiceKey.of("acceptor", "main");

  private final Supervisor sup;
  private final Channels channels;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong backoffs = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong nextId = new AtomicLong();
  private volatile int port;
  private volatile @Nullable ServerSocketChannel listener;

  private EchoServer(AoContext ctx) {
    this.channels = Channels.of(ctx);
    this.sup = Supervisor.builder(ctx).name("echo")
        .intensity(5, Duration.ofSeconds(10))
        .defaultPolicy(RestartPolicy.never())
        .start();
  }

  /**
   * Starts a server listening on {@code address} (port 0: any free port). The stage completes
   * once the server listens, or fails with the cause (the address is taken, say).
   *
   * @throws NullPointerException if an argument is null
   */
  public static CompletionStage<EchoServer> start(AoContext ctx, InetSocketAddress address) {
    requireNonNull(ctx, "ctx");
    requireNonNull(address, "address");
    EchoServer s = new EchoServer(ctx);
    RestartPolicy acceptorPolicy =
        RestartPolicy.onFailure().withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1));
    CompletableFuture<EchoServer> started = new CompletableFuture<>();
    s.sup.start(ACCEPTOR, acceptorPolicy, ao -> {
      // on a restart, bind the same port again
      boolean restart = s.port != 0;
      InetSocketAddress a = restart ? new InetSocketAddress(address.getAddress(), s.port) : address;
      return Acceptor.start(s, ao, a, restart);
    }).whenComplete((v, e) -> {
      if (e == null) {
        started.complete(s);
      } else {
        s.sup.stop();
        started.completeExceptionally(e);
      }
    });
    return started.minimalCompletionStage();
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** How many connections were accepted so far. */
  public long accepted() {
    return accepted.get();
  }

  /** How many times accept ran out of descriptors and the acceptor backed off. */
  public long acceptBackoffs() {
    return backoffs.get();
  }

  /** How many connections are open now. */
  public int openConnections() {
    return open.get();
  }

  /** How many times the supervisor restarted the acceptor. */
  public int acceptorRestarts() {
    return sup.lookup(ACCEPTOR).map(ChildInfo::restarts).orElse(0);
  }

  /**
   * Stops the server: cancels accept, then every connection, newest first, and waits for them.
   * When the stage completes, the listening socket and every connection are closed. Idempotent.
   *
   * @return the supervisor's outcome (CANCEL after a stop)
   */
  public CompletionStage<Outcome<Void>> stop() {
    return sup.stop(ACCEPTOR)
        .handle((o, e) -> null) // the acceptor may be gone already
        .thenCompose(x -> sup.stop());
  }

  /**
   * Completes with the supervisor's outcome when the server ended: after {@link #stop()}, or when
   * the acceptor failed more often than the intensity limit allows (FAIL).
   */
  public CompletionStage<Outcome<Void>> terminated() {
    return sup.terminated();
  }

  /** The listening socket of the current acceptor; tests close it to make the acceptor fail. */
  @Nullable ServerSocketChannel listener() {
    return listener;
  }

  // ---- called by the acceptor, on the loop ----

  void listening(ServerSocketChannel l) {
    try {
      port = ((InetSocketAddress) l.getLocalAddress()).getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    listener = l;
  }

  void backedOff() {
    backoffs.incrementAndGet();
  }

  void accepted(SocketChannel c) {
    accepted.incrementAndGet();
    ServiceKey<String, Void> key = ServiceKey.of("connection", Long.toString(nextId.incrementAndGet()));
    try {
      c.configureBlocking(false);
    } catch (IOException e) {
      closeQuietly(c);
      return;
    }
    open.incrementAndGet();
    sup.start(key, ao -> {
      new EchoConnection(c, ao, channels, open::decrementAndGet).start();
      return (msg, reply) -> reply.fail(new UnsupportedOperationException("a connection takes no messages"));
    }).whenComplete((v, e) -> {
      if (e != null) { // the supervisor is stopping: the connection never started
        closeQuietly(c);
        open.decrementAndGet();
      }
    });
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing more to release
    }
  }

  @Override
  public String toString() {
    return "EchoServer[port=" + port + ", open=" + open + ", accepted=" + accepted
        + ", backoffs=" + backoffs + "]";
  }
}
