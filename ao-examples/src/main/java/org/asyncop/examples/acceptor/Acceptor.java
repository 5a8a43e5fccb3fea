package org.asyncop.examples.acceptor;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.supervise.Service;
import org.asyncop.timers.Timers;
import org.asyncop.watch.Channels;
import org.jspecify.annotations.Nullable;

/*
 * The acceptor: one incarnation of the acceptor service. It owns the listening socket (opened and
 * bound when it starts, on the same port on every restart, closed when it ends), and accepts as an
 * asynchronous step: wait for the socket to be acceptable (a one-shot watch), accept what is
 * there without blocking, hand each connection to the server, wait again.
 *
 * Out of descriptors (EMFILE, ENFILE): the pending connection stays in the backlog and the socket
 * stays acceptable, so waiting again at once would spin. Instead the acceptor counts it, sleeps
 * (a timer on its operation, doubling from BACKOFF_MIN to BACKOFF_MAX while it goes on), and then
 * waits again; a successful accept resets the delay. Any other accept error fails the acceptor
 * with the cause, for the supervisor to restart it. A restarted acceptor that finds no descriptor
 * for its new listening socket backs off the same way and tries again, instead of failing: each
 * failure would count against the supervisor's restart intensity, which such a run of failures
 * passes within a second, and the server would end with every connection it serves.
 *
 * Confined to the operation's loop. Ends only through end(), which closes the listening socket
 * before it completes the operation.
 */
final class Acceptor {
  static final Duration BACKOFF_MIN = Duration.ofMillis(5);
  static final Duration BACKOFF_MAX = Duration.ofMillis(200);
  /** Accepts per readiness, so that a flood of connections does not hold the loop. */
  private static final int BATCH = 64;
  private static final int BACKLOG = 1024;

  private final EchoServer server;
  private final Ao<Void> ao;
  private final InetSocketAddress address;
  /** Null until it is open (a restart may wait for a descriptor). */
  private @Nullable ServerSocketChannel listener;
  private final Channels channels;
  private final Timers timers;
  private Duration backoff = BACKOFF_MIN;

  private Acceptor(EchoServer server, Ao<Void> ao, InetSocketAddress address) {
    this.server = server;
    this.ao = ao;
    this.address = address;
    this.channels = Channels.of(ao.context());
    this.timers = Timers.of(ao.context());
  }

  /**
   * The acceptor service's factory: binds and begins accepting. A first start fails with any
   * error; a restart that is out of descriptors backs off and tries again (see above).
   */
  static Service<String, Void> start(
      EchoServer server, Ao<Void> ao, InetSocketAddress address, boolean restart)
      throws IOException {
    Acceptor a = new Acceptor(server, ao, address);
    try {
      a.listen();
    } catch (IOException e) {
      if (!restart || !outOfDescriptors(e)) {
        throw e;
      }
      a.backOff(a::listenAgain);
    }
    return (msg, reply) ->
        reply.fail(new UnsupportedOperationException("the acceptor takes no messages"));
  }

  private void listen() throws IOException {
    ServerSocketChannel l = ServerSocketChannel.open();
    try {
      l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      l.bind(address, BACKLOG);
      l.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      l.close();
      throw e;
    }
    listener = l;
    server.listening(l);
    await(l);
  }

  private void listenAgain() {
    if (ao.isCancelRequested()) {
      end(Rc.CANCEL, null);
      return;
    }
    try {
      listen();
    } catch (IOException e) {
      if (outOfDescriptors(e)) {
        backOff(this::listenAgain);
      } else {
        end(Rc.FAIL, e);
      }
    }
  }

  private void await(ServerSocketChannel l) {
    channels.whenAcceptable(ao, l, rc -> {
      switch (rc) {
        case OK -> acceptSome();
        case CANCEL -> end(Rc.CANCEL, null);
        case FAIL -> end(Rc.FAIL, new IOException("the listening socket was closed"));
        default -> throw new IllegalStateException("Invalid rc: " + rc);
      }
    });
  }

  private void acceptSome() {
    if (ao.isCancelRequested()) {
      end(Rc.CANCEL, null);
      return;
    }
    ServerSocketChannel l = requireNonNull(listener); // open: its interest fired
    for (int i = 0; i < BATCH; i++) {
      SocketChannel c;
      try {
        c = l.accept();
      } catch (IOException e) {
        if (outOfDescriptors(e)) {
          backOff(this::acceptSome);
        } else {
          end(Rc.FAIL, e);
        }
        return;
      }
      if (c == null) {
        break; // the backlog is empty (or the client left between readiness and accept)
      }
      backoff = BACKOFF_MIN;
      server.accepted(c);
    }
    await(l);
  }

  private static boolean outOfDescriptors(IOException e) {
    String m = e.getMessage();
    return m != null && m.contains("Too many open files"); // EMFILE, and ENFILE ("... in system")
  }

  /** Out of descriptors: counts it, sleeps, then runs {@code then} (or ends on a cancel). */
  private void backOff(Runnable then) {
    server.backedOff();
    Duration d = backoff;
    backoff = d.multipliedBy(2).compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : d.multipliedBy(2);
    timers.sleep(ao, d, rc -> {
      if (rc == Rc.OK) {
        then.run();
      } else {
        end(Rc.CANCEL, null);
      }
    });
  }

  private void end(Rc rc, @Nullable IOException e) {
    ServerSocketChannel l = listener;
    try {
      if (l != null) {
        l.close();
      }
    } catch (IOException closing) {
      // the descriptor is gone either way
    }
    if (ao.isDone()) {
      return;
    }
    switch (rc) {
      case CANCEL -> ao.cancelled();
      case FAIL -> ao.fail(e != null ? e : new IOException("accept failed"));
      default -> throw new IllegalStateException("Invalid rc: " + rc);
    }
  }
}
