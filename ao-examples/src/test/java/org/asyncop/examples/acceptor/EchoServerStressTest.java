package org.asyncop.examples.acceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/**
 * The races around accept, with real clients from many threads: a client that leaves (with a
 * reset) between readiness and accept, and a stop that comes while clients keep connecting. A
 * failure in any thread fails the test; every thread is joined.
 */
class EchoServerStressTest {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final int THREADS = 8;

  private interface Body {
    void run() throws Exception;
  }

  private static void runAll(Body body) throws InterruptedException {
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      ts.add(new Thread(() -> {
        try {
          go.await();
          body.run();
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    ts.forEach(Thread::start);
    go.countDown();
    for (Thread t : ts) {
      t.join(BOUND.toMillis());
      assertTrue(!t.isAlive(), "a client thread hangs");
    }
    if (!errors.isEmpty()) {
      AssertionError e = new AssertionError(errors.size() + " client thread(s) failed");
      errors.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static EchoServer start(AoContext ctx) throws Exception {
    return EchoServer.start(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void clientsThatResetBeforeAcceptNeitherHangNorKillTheAcceptor() throws Exception {
    try (AoContext ctx = AoContext.builder().name("echo-resets").build()) {
      EchoServer server = start(ctx);
      runAll(() -> {
        for (int i = 0; i < 200; i++) {
          Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
          s.setSoLinger(true, 0); // close with a reset, often before the server accepted
          s.close();
        }
      });
      try (Socket s = Sockets.connect(server.port())) {
        Sockets.echo(s, 1000);
      }
      await().atMost(BOUND).until(() -> server.openConnections() == 0);
      assertEquals(0, server.acceptorRestarts());
      assertEquals(Rc.CANCEL, server.stop().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS).rc());
    }
  }

  @Test
  void aStopWhileClientsKeepConnectingLeavesNoServerSocket() throws Exception {
    long before = Sockets.openSocketsAfterWarmUp();
    for (int round = 0; round < 3; round++) {
      List<Socket> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicBoolean stopped = new AtomicBoolean();
      try (AoContext ctx = AoContext.builder().name("echo-stop-race").build()) {
        EchoServer server = start(ctx);
        Thread stopper = new Thread(() -> {
          await().atMost(BOUND).pollInterval(Duration.ofMillis(1)).until(() -> server.accepted() >= 20);
          server.stop().toCompletableFuture().join();
          stopped.set(true);
        });
        stopper.start();
        runAll(() -> {
          // fewer than the backlog holds: a full backlog drops SYNs, and connect waits a second
          for (int i = 0; i < 60 && !stopped.get(); i++) {
            try {
              clients.add(Sockets.connect(server.port()));
            } catch (IOException refused) {
              return; // the listener is gone
            }
          }
        });
        stopper.join(BOUND.toMillis());
        assertTrue(stopped.get());
        assertEquals(0, server.openConnections());
        // of the sockets on either side, only the clients' own are left
        long clientCount = clients.size();
        await().atMost(BOUND).until(() -> Sockets.openSockets() == before + clientCount);
      } finally {
        for (Socket s : clients) {
          s.close();
        }
      }
    }
    await().atMost(BOUND).until(() -> Sockets.openSockets() == before);
  }
}
