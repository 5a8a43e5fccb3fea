package org.asyncop.examples.modules.sample;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.examples.modules.Module;
import org.asyncop.examples.modules.ModuleEnv;
import org.asyncop.timers.Timers;
import org.asyncop.watch.Channels;
import org.jspecify.annotations.Nullable;

/**
 * Counts ticks of a periodic timer and tells each client that connects to its port how many there
 * were. Registers a timer and a channel watch on its operation; on the cleanup event both report
 * CANCEL, and once both have, it closes its socket and ends.
 *
 * <p>Settings: {@code periodMillis} (default 20).
 */
public final class TickerModule implements Module {
  private @Nullable ServerSocketChannel server;
  private @Nullable ModuleEnv env;
  private int ticks;
  /** The timer and the watch still registered; at 0 the module ends. Loop only. */
  private int registered = 2;

  /** For the host. */
  public TickerModule() {}

  @Override
  public void init(Ao<Void> ao, ModuleEnv env) throws IOException {
    this.env = env;
    ServerSocketChannel s = ServerSocketChannel.open();
    server = s;
    try { // a failed init gets no deinit and no cancel callbacks: the socket is closed here
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      s.configureBlocking(false);
      env.events().accept(env.name() + ": listening on " + s.socket().getLocalPort());
      Duration period = Duration.ofMillis(Long.parseLong(env.config().getOrDefault("periodMillis", "20")));
      Timers.of(ao.context()).every(ao, period, rc -> {
        if (rc == Rc.OK) {
          ticks++;
        } else {
          released(ao);
        }
      });
      accept(ao, s);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void accept(Ao<Void> ao, ServerSocketChannel s) {
    Channels.of(ao.context()).whenAcceptable(ao, s, rc -> {
      if (rc != Rc.OK) {
        released(ao);
        return;
      }
      try (SocketChannel c = s.accept()) {
        if (c != null) { // null: the client left between readiness and accept
          c.configureBlocking(false);
          c.write(ByteBuffer.wrap(("ticks " + ticks + "\n").getBytes(US_ASCII)));
        }
      } catch (IOException e) {
        event("a client failed: " + e);
      }
      accept(ao, s);
    });
  }

  /** Loop: one of the two registrations reported its end. */
  private void released(Ao<Void> ao) {
    if (--registered > 0) {
      return;
    }
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      event("closing the socket failed: " + e);
    }
    event("stopped after " + ticks + " ticks");
    if (!ao.isDone()) {
      ao.cancelled();
    }
  }

  @Override
  public void deinit() {
    event("deinit");
  }

  private void event(String e) {
    ModuleEnv m = env;
    if (m != null) {
      m.report(e);
    }
  }
}
