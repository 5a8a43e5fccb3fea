package org.asyncop.examples.acceptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.watch.Channels;
import org.jspecify.annotations.Nullable;

/*
 * One echo connection: the lifetime of its operation. Reads what the peer sends and writes it
 * back, waiting on a readiness watch whenever the socket has nothing to read or no room to write,
 * so the operation always has exactly one watch registered while it waits: a cancel reaches it,
 * its callback gets CANCEL, and the connection closes its socket and ends with CANCEL. The peer
 * closing ends it OK; an I/O error ends it FAIL. The socket is closed before the operation
 * completes, on every path, so that when the supervisor hears the end no descriptor is left.
 *
 * Confined to the operation's loop.
 */
final class EchoConnection {
  private final SocketChannel ch;
  private final Ao<Void> ao;
  private final Channels channels;
  private final Runnable onEnd;
  private final ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
  /** The buffer holds data still to be written back. */
  private boolean writing;

  EchoConnection(SocketChannel ch, Ao<Void> ao, Channels channels, Runnable onEnd) {
    this.ch = ch;
    this.ao = ao;
    this.channels = channels;
    this.onEnd = onEnd;
  }

  /** Loop: begins echoing. */
  void start() {
    pump();
  }

  private void pump() {
    if (ao.isCancelRequested()) { // came back after a cancel with no watch registered
      end(Rc.CANCEL, null);
      return;
    }
    try {
      if (!writing) {
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          end(Rc.OK, null);
          return;
        }
        if (n == 0) {
          channels.whenReadable(ao, ch, this::ready);
          return;
        }
        buf.flip();
        writing = true;
      }
      ch.write(buf);
      if (buf.hasRemaining()) {
        channels.whenWritable(ao, ch, this::ready);
        return;
      }
      writing = false;
      // The peer may have sent more already: look again, but behind the other connections'
      // work queued on the loop, so that one busy peer cannot hold the loop while others wait.
      ao.execute(this::pump);
    } catch (IOException e) {
      end(Rc.FAIL, e);
    }
  }

  private void ready(Rc rc) {
    if (rc == Rc.OK && !ao.isCancelRequested()) {
      pump();
    } else {
      end(rc == Rc.OK ? Rc.CANCEL : rc, null);
    }
  }

  private void end(Rc rc, @Nullable IOException e) {
    try {
      ch.close();
    } catch (IOException closing) {
      // nothing more to release: the descriptor is gone either way
    }
    onEnd.run();
    switch (rc) {
      case OK -> ao.complete(null);
      case CANCEL -> ao.cancelled();
      case FAIL -> ao.fail(e != null ? e : new IOException("the socket was closed under the connection"));
      default -> throw new IllegalStateException("Invalid rc: " + rc);
    }
  }
}
