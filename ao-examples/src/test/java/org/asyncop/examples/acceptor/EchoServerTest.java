package org.asyncop.examples.acceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

class EchoServerTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  private static EchoServer start(AoContext ctx) throws Exception {
    return EchoServer.start(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void whenStopCompletesThePortIsFree_soAServerCanStartOnItAgain() throws Exception {
    try (AoContext ctx = AoContext.builder().name("echo-restart").build()) {
      EchoServer server = start(ctx);
      int port = server.port();
      InetSocketAddress same = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
      for (int round = 0; round < 10; round++) {
        // the stop's javadoc: when the stage completes, the listening socket is closed
        server = join(server.stop().thenCompose(o -> EchoServer.start(ctx, same)));
        assertEquals(port, server.port());
        try (Socket s = Sockets.connect(port)) {
          Sockets.echo(s, 100);
        }
      }
      join(server.stop());
    }
  }

  @Test
  void manyClientsAtOnceEachGetTheirEcho() throws Exception {
    int threads = 16;
    int perThread = 16;
    try (AoContext ctx = AoContext.builder().name("echo-many").build()) {
      EchoServer server = start(ctx);
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        ts.add(new Thread(() -> {
          List<Socket> mine = new ArrayList<>();
          try {
            go.await();
            for (int i = 0; i < perThread; i++) {
              mine.add(Sockets.connect(server.port()));
            }
            for (int round = 0; round < 5; round++) {
              for (Socket s : mine) {
                Sockets.echo(s, 1 + round * 40_000); // up to 160 KB: more than one buffer
              }
            }
          } catch (Throwable e) {
            errors.add(e);
          } finally {
            for (Socket s : mine) {
              try {
                s.close();
              } catch (Exception e) {
                errors.add(e);
              }
            }
          }
        }));
      }
      ts.forEach(Thread::start);
      go.countDown();
      for (Thread t : ts) {
        t.join(BOUND.toMillis());
        assertTrue(!t.isAlive());
      }
      if (!errors.isEmpty()) {
        AssertionError e = new AssertionError(errors.size() + " client(s) failed");
        errors.forEach(e::addSuppressed);
        throw e;
      }
      assertEquals(threads * perThread, server.accepted());
      await().atMost(BOUND).until(() -> server.openConnections() == 0);
      assertEquals(0, server.acceptBackoffs());
      assertEquals(Rc.CANCEL, join(server.stop()).rc());
    }
  }

  @Test
  void stopWithAThousandOpenConnectionsLeavesNoSocketOpen() throws Exception {
    long before = Sockets.openSocketsAfterWarmUp();
    List<Socket> clients = new ArrayList<>();
    try (AoContext ctx = AoContext.builder().name("echo-stop").build()) {
      EchoServer server = start(ctx);
      try {
        for (int i = 0; i < 1000; i++) {
          clients.add(Sockets.connect(server.port()));
        }
        await().atMost(BOUND).until(() -> server.openConnections() == 1000);
        Sockets.echo(clients.get(0), 100);
        Sockets.echo(clients.get(999), 100);

        Outcome<Void> o = join(server.stop());
        assertEquals(Rc.CANCEL, o.rc());
        assertEquals(0, server.openConnections());
        // the server's side is all closed: only the 1000 client sockets are left
        await().atMost(BOUND).until(() -> Sockets.openSockets() == before + 1000);
        for (Socket s : clients) {
          assertTrue(Sockets.closedByServer(s));
        }
      } finally {
        for (Socket s : clients) {
          s.close();
        }
      }
    }
    await().atMost(BOUND).until(() -> Sockets.openSockets() == before);
  }

  @Test
  void aFailedAcceptorIsRestartedAndTheConnectionsLive() throws Exception {
    try (AoContext ctx = AoContext.builder().name("echo-restart").build()) {
      EchoServer server = start(ctx);
      try (Socket before = Sockets.connect(server.port())) {
        Sockets.echo(before, 10);
        // A real fault: the listening descriptor is closed under the acceptor.
        server.listener().close();
        await().atMost(BOUND).until(() -> server.acceptorRestarts() >= 1);
        try (Socket after = Sockets.connect(server.port())) {
          Sockets.echo(after, 10);
        }
        Sockets.echo(before, 10); // the restart did not touch the connections
      }
      assertEquals(Rc.CANCEL, join(server.stop()).rc());
    }
  }
}
