package org.asyncop.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/*
 * The baseline of EchoBenchmark: an echo server written the usual way, one thread running a
 * Selector loop. Accept on OP_ACCEPT; read on OP_READ and write the bytes straight back; if the
 * socket takes only part, switch the key to OP_WRITE until the rest is written. No cancellation,
 * no supervision: close() closes the selector, and with it every socket.
 */
final class PlainNioEchoServer implements AutoCloseable {
  private final Selector selector;
  private final ServerSocketChannel listener;
  private final Thread thread;
  private volatile boolean running = true;

  PlainNioEchoServer() throws IOException {
    selector = Selector.open();
    listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    listener.configureBlocking(false);
    listener.register(selector, SelectionKey.OP_ACCEPT);
    thread = new Thread(this::run, "plain-nio-echo");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return listener.socket().getLocalPort();
  }

  private void run() {
    try {
      while (running) {
        selector.select();
        for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey k = it.next();
          it.remove();
          try {
            if (k.isAcceptable()) {
              accept();
            } else if (k.isReadable() || k.isWritable()) {
              echo(k);
            }
          } catch (IOException e) {
            k.channel().close();
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void accept() throws IOException {
    SocketChannel c;
    while ((c = listener.accept()) != null) {
      c.configureBlocking(false);
      c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocateDirect(16 * 1024));
    }
  }

  private static void echo(SelectionKey k) throws IOException {
    SocketChannel c = (SocketChannel) k.channel();
    ByteBuffer b = (ByteBuffer) k.attachment();
    if (k.isWritable()) { // finish what is pending first
      c.write(b);
      if (b.hasRemaining()) {
        return;
      }
      k.interestOps(SelectionKey.OP_READ);
    }
    b.clear();
    int n = c.read(b);
    if (n < 0) {
      c.close();
      return;
    }
    b.flip();
    c.write(b);
    if (b.hasRemaining()) {
      k.interestOps(SelectionKey.OP_WRITE);
    }
  }

  @Override
  public void close() throws IOException {
    running = false;
    selector.wakeup();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping", e);
    }
    for (SelectionKey k : selector.keys()) {
      k.channel().close();
    }
    selector.close();
  }
}
