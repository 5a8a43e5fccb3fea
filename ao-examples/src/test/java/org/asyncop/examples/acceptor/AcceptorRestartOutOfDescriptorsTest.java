package org.asyncop.examples.acceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.constants.platform.RLIMIT;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/**
 * The acceptor restarted while descriptors are exhausted, for real: this JVM's soft
 * RLIMIT_NOFILE is lowered (and restored), and a thread takes every descriptor that comes free,
 * as the rest of a busy server would. The restarted acceptor finds no descriptor for its new
 * listening socket; it must back off and try again, not fail until the supervisor's restart
 * intensity is passed and the server ends with every connection it serves.
 */
class AcceptorRestartOutOfDescriptorsTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Path DEV_NULL = Path.of("/dev/null");

  @Test
  void aRestartOutOfDescriptorsBacksOffAndListensAgainOnceSomeAreFree() throws Exception {
    POSIX posix = POSIXFactory.getNativePOSIX();
    int nofile = RLIMIT.RLIMIT_NOFILE.intValue();
    RLimit limit = posix.getrlimit(nofile);
    long soft = limit.rlimCur();
    long hard = limit.rlimMax();
    try (AoContext ctx = AoContext.builder().name("echo-fds").build()) {
      EchoServer server = EchoServer.start(ctx,
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
      int port = server.port();
      List<FileChannel> taken = new CopyOnWriteArrayList<>();
      AtomicBoolean grabbing = new AtomicBoolean(true);
      AtomicBoolean full = new AtomicBoolean();
      Thread grabber = new Thread(() -> {
        while (grabbing.get()) {
          try {
            taken.add(FileChannel.open(DEV_NULL));
          } catch (IOException noneLeft) {
            full.set(true);
            Thread.onSpinWait();
          }
        }
      }, "grabber");
      try (Socket client = Sockets.connect(port)) {
        Sockets.echo(client, 100);
        EchoServerMain.preload(); // no class file can be opened once the descriptors are gone
        FileChannel.open(DEV_NULL).close(); // nor the grabber's
        assertEquals(0, posix.setrlimit(nofile, EchoServerMain.openFds() + 16, hard), "setrlimit");
        grabber.start();
        await().atMost(BOUND).until(full::get);
        long backoffs = server.acceptBackoffs();
        ServerSocketChannel listener = server.listener();
        assertNotNull(listener);
        listener.close(); // the fault: the acceptor fails and is restarted, out of descriptors
        // more tries than the restart intensity (5 within 10 s) would have allowed as failures
        await("the restarted acceptor backing off").atMost(BOUND)
            .until(() -> server.acceptBackoffs() >= backoffs + 7);
        Sockets.echo(client, 100); // the server lives, and serves what it has
      } finally {
        grabbing.set(false);
        grabber.join(BOUND.toMillis());
        for (FileChannel c : taken) {
          c.close();
        }
        posix.setrlimit(nofile, soft, hard);
      }
      // descriptors are free again: the acceptor listens on the same port at its next try
      await().atMost(BOUND).ignoreExceptions().untilAsserted(() -> {
        try (Socket again = Sockets.connect(port)) {
          Sockets.echo(again, 100);
        }
      });
      assertEquals(1, server.acceptorRestarts(), "restarted once, for the fault");
      assertEquals(Rc.CANCEL, server.stop().toCompletableFuture()
          .get(BOUND.toSeconds(), TimeUnit.SECONDS).rc(), "the server had not ended on its own");
    }
  }
}
