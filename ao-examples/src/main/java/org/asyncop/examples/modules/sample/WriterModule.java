package org.asyncop.examples.modules.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.examples.modules.Module;
import org.asyncop.examples.modules.ModuleEnv;
import org.asyncop.watch.Channels;
import org.jspecify.annotations.Nullable;

/**
 * Has writes pending, and finishes them before it lets itself be unloaded: the SQL commit of seed
 * 001. It waits for one peer on its port, then writes {@code bytes} bytes to it as fast as the
 * peer reads. On the cleanup event it flushes what is left in a shielded nested operation (a plain
 * cancel does not cut it short), closes the connection, and ends. A forced cancel cuts the flush
 * short; the outcome then names it as abandoned.
 *
 * <p>Settings: {@code bytes}, how many bytes to write.
 */
public final class WriterModule implements Module {
  /** The purpose of the shielded flush, as a forced unload reports it. */
  public static final String FLUSH = "flush pending writes";

  private @Nullable ModuleEnv env;
  private @Nullable SocketChannel conn;
  private ByteBuffer pending = ByteBuffer.allocate(0);

  /** For the host. */
  public WriterModule() {}

  @Override
  public void init(Ao<Void> ao, ModuleEnv env) throws IOException {
    this.env = env;
    int bytes = Integer.parseInt(env.require("bytes"));
    ServerSocketChannel s = ServerSocketChannel.open();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    s.configureBlocking(false);
    env.events().accept(env.name() + ": listening on " + s.socket().getLocalPort());
    Channels.of(ao.context()).whenAcceptable(ao, s, rc -> accepted(ao, s, rc, bytes));
  }

  private void accepted(Ao<Void> ao, ServerSocketChannel s, Rc rc, int bytes) {
    try {
      SocketChannel c = rc == Rc.OK ? s.accept() : null;
      if (c == null && rc == Rc.OK) { // the client left between readiness and accept
        Channels.of(ao.context()).whenAcceptable(ao, s, r -> accepted(ao, s, r, bytes));
        return;
      }
      s.close(); // one peer only
      if (c == null) { // the cleanup event came before any peer: nothing is pending
        ao.cancelled();
        return;
      }
      c.configureBlocking(false);
      conn = c;
      pending = ByteBuffer.allocate(bytes);
      for (int i = 0; i < bytes; i++) {
        pending.put(i, (byte) i);
      }
      event("peer connected; " + bytes + " bytes pending");
    } catch (IOException e) {
      ao.fail(e);
      return;
    }
    drain(ao, r -> {
      switch (r) {
        case OK -> ao.onCancel(() -> flush(ao)); // all written: the cleanup only closes
        case CANCEL -> flush(ao); // the cleanup event came with writes pending
        case FAIL -> {
          closeConn();
          ao.fail(new IOException("the peer went away"));
        }
        default -> throw new IllegalStateException("Invalid rc: " + r);
      }
    });
  }

  /** Loop: finishes the pending writes where a plain cancel does not reach, then ends. */
  private void flush(Ao<Void> ao) {
    event("cleanup: " + pending.remaining() + " bytes still to write");
    Ao<Void> flush = ao.nestShielded(FLUSH, o -> {
      closeConn();
      ao.cancelled();
    });
    drain(flush, rc -> {
      if (rc == Rc.OK) {
        event("flushed; " + pending.position() + " bytes written in all");
        flush.complete(null);
      } else {
        event("flush cut short (" + rc + "); " + pending.remaining() + " bytes never written");
        flush.cancelled();
      }
    });
  }

  /** Writes while the peer takes it; {@code end} hears OK when nothing is left. */
  private void drain(Ao<?> on, Consumer<Rc> end) {
    SocketChannel c = conn;
    try {
      while (c != null && pending.hasRemaining()) {
        if (c.write(pending) == 0) {
          Channels.of(on.context()).whenWritable(on, c, rc -> {
            if (rc == Rc.OK) {
              drain(on, end);
            } else {
              end.accept(rc);
            }
          });
          return;
        }
      }
    } catch (IOException e) {
      end.accept(Rc.FAIL);
      return;
    }
    end.accept(Rc.OK);
  }

  private void closeConn() {
    try {
      if (conn != null) {
        conn.close();
      }
    } catch (IOException e) {
      event("closing the connection failed: " + e);
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
