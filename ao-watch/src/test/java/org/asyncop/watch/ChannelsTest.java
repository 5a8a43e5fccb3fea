package org.asyncop.watch;

import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoLoop;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.timers.Timers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Readiness watches on real sockets on 127.0.0.1. */
class ChannelsTest {
  AoContext ctx;
  Channels channels;
  ServerSocketChannel server;

  @BeforeEach
  void open() throws Exception {
    ctx = AoContext.builder().name("ch").build();
    channels = Channels.of(ctx);
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    server.configureBlocking(false);
  }

  @AfterEach
  void close() throws Exception {
    server.close();
    if (!ctx.close(Duration.ofSeconds(5))) {
      throw new AssertionError("operations left running: " + ctx.liveOperations());
    }
  }

  private SocketChannel connect() throws Exception {
    return SocketChannel.open(server.getLocalAddress());
  }

  @Test
  void accept_cancelledBeforeAClientConnects_isCancelOnce_andDeregistersTheKey() {
    Ops<Void> op = Ops.begin(ctx);
    List<Rc> rcs = new CopyOnWriteArrayList<>();
    channels.whenAcceptable(op.ao, server, rc -> {
      rcs.add(rc);
      op.ao.cancelled();
    });
    await().atMost(ofSeconds(5)).until(() -> channels.interestCount() == 1);
    op.ao.cancel();
    op.awaitOutcome();
    assertEquals(List.of(Rc.CANCEL), rcs);
    assertEquals(0, channels.interestCount());
    assertEquals(0, channels.keyCount());
  }

  @Test
  void accept_afterAClientConnects_isOk_andAcceptsIt_thenACancelChangesNothing() throws Exception {
    Ops<Void> op = Ops.begin(ctx);
    List<Rc> rcs = new CopyOnWriteArrayList<>();
    List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    channels.whenAcceptable(op.ao, server, rc -> {
      rcs.add(rc);
      try {
        SocketChannel c = server.accept();
        if (c != null) {
          accepted.add(c);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (SocketChannel client = connect()) {
      await().atMost(ofSeconds(5)).until(() -> !rcs.isEmpty());
      op.ao.cancel(); // after the client connected and the interest fired
      op.ao.execute(op.ao::cancelled);
      op.awaitOutcome();
      assertEquals(List.of(Rc.OK), rcs);
      assertEquals(1, accepted.size());
      accepted.get(0).close();
    }
    assertEquals(0, channels.keyCount());
  }

  @Test
  void accept_cancelRacingAConnectedClient_endsExactlyOnce() throws Exception {
    for (int i = 0; i < 200; i++) {
      Ops<Void> op = Ops.begin(ctx);
      List<Rc> rcs = new CopyOnWriteArrayList<>();
      try (SocketChannel client = connect()) {
        channels.whenAcceptable(op.ao, server, rc -> {
          rcs.add(rc);
          op.ao.complete(null);
        });
        op.ao.cancel();
        op.awaitOutcome();
        assertEquals(1, rcs.size(), rcs.toString());
        SocketChannel c = server.accept();
        if (c != null) {
          c.close();
        }
      }
    }
    assertEquals(0, channels.interestCount());
    assertEquals(0, channels.keyCount());
  }

  @Test
  void accept_readyButAcceptReturnsNull_rearmsWithoutSpinOrHang() throws Exception {
    // Two acceptors wait on one listening socket; one client connects: both are told it is
    // ready, the first accept() takes the connection and the second gets null, as when the client
    // left in between (seed 004). The second re-arms: it must neither fire again at once (spin)
    // nor miss the next client (hang).
    Ops<Void> op = Ops.begin(ctx);
    List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    List<String> log = new CopyOnWriteArrayList<>();
    class Acceptor {
      final String name;

      Acceptor(String name) {
        this.name = name;
      }

      void arm() {
        channels.whenAcceptable(op.ao, server, this::ready);
      }

      void ready(Rc rc) {
        if (rc != Rc.OK) {
          return;
        }
        try {
          SocketChannel c = server.accept();
          log.add(name + (c == null ? ":null" : ":conn"));
          if (c == null) {
            arm();
          } else {
            accepted.add(c);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
    Acceptor a = new Acceptor("a");
    Acceptor b = new Acceptor("b");
    op.ao.execute(() -> {
      a.arm();
      b.arm();
    });
    await().atMost(ofSeconds(5)).until(() -> channels.interestCount() == 2);
    try (SocketChannel c1 = connect()) {
      await().atMost(ofSeconds(5)).until(() -> log.size() == 2);
      assertTrue(log.contains("a:conn") || log.contains("b:conn"), log.toString());
      assertTrue(log.contains("a:null") || log.contains("b:null"), log.toString());
      // re-armed and quiet: no spurious readiness while no one connects
      await().during(ofMillis(300)).atMost(ofSeconds(2)).until(() -> log.size() == 2);
      assertEquals(1, channels.interestCount());
      try (SocketChannel c2 = connect()) {
        await().atMost(ofSeconds(5)).until(() -> accepted.size() == 2);
      }
    }
    op.ao.complete(null);
    op.awaitOutcome();
    for (SocketChannel c : accepted) {
      c.close();
    }
    assertEquals(0, channels.keyCount());
  }

  @Test
  void readable_andWritable_onAConnectedSocket() throws Exception {
    try (SocketChannel client = connect()) {
      SocketChannel peer = null;
      while (peer == null) {
        peer = server.accept();
      }
      try (SocketChannel p = peer) {
        p.configureBlocking(false);
        Ops<Void> op = Ops.begin(ctx);
        List<String> log = new CopyOnWriteArrayList<>();
        channels.whenWritable(op.ao, p, rc -> log.add("w:" + rc));
        channels.whenReadable(op.ao, p, rc -> log.add("r:" + rc));
        await().atMost(ofSeconds(5)).until(() -> log.contains("w:OK"));
        assertEquals(List.of("w:OK"), log);
        client.write(ByteBuffer.wrap(new byte[] {42}));
        await().atMost(ofSeconds(5)).until(() -> log.contains("r:OK"));
        op.ao.complete(null);
        op.awaitOutcome();
      }
    }
    assertEquals(0, channels.keyCount());
  }

  @Test
  void channelClosedWhileWaiting_fails() throws Exception {
    SocketChannel client = connect();
    client.configureBlocking(false);
    Ops<Void> op = Ops.begin(ctx);
    List<Rc> rcs = new CopyOnWriteArrayList<>();
    channels.whenReadable(op.ao, client, rcs::add);
    await().atMost(ofSeconds(5)).until(() -> channels.interestCount() == 1);
    client.close();
    await().atMost(ofSeconds(10)).until(() -> !rcs.isEmpty());
    assertEquals(List.of(Rc.FAIL), rcs);
    op.ao.complete(null);
    op.awaitOutcome();
  }

  @Test
  void registrationClosed_isCancel() {
    Ops<Void> op = Ops.begin(ctx);
    List<Rc> rcs = new CopyOnWriteArrayList<>();
    Registration r = channels.whenAcceptable(op.ao, server, rcs::add);
    r.close();
    r.close();
    await().atMost(ofSeconds(5)).until(() -> !rcs.isEmpty());
    op.ao.complete(null);
    op.awaitOutcome();
    assertEquals(List.of(Rc.CANCEL), rcs);
  }

  @Test
  void badArguments_throwAtTheCall() throws Exception {
    Ops<Void> op = Ops.begin(ctx);
    WatchableStoreContract.assertNpe("ctx", () -> Channels.of(null));
    WatchableStoreContract.assertNpe("ao", () -> channels.whenAcceptable(null, server, rc -> {}));
    WatchableStoreContract.assertNpe("ch", () -> channels.whenReadable(op.ao, null, rc -> {}));
    WatchableStoreContract.assertNpe("callback", () -> channels.whenWritable(op.ao, server, null));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> channels.whenReadable(op.ao, server, rc -> {}));
    assertTrue(e.getMessage().contains("ch"), e.getMessage());
    try (ServerSocketChannel blocking = ServerSocketChannel.open()) {
      e = assertThrows(IllegalArgumentException.class, () -> channels.whenAcceptable(op.ao, blocking, rc -> {}));
      assertTrue(e.getMessage().contains("non-blocking"), e.getMessage());
    }
    op.ao.complete(null);
    op.awaitOutcome();
  }

  @Test
  void anAoOfAnotherContext_isRefusedNamingIt_andNothingIsRegistered() {
    AoContext other = AoContext.builder().name("ch-other").build();
    try {
      Ops<Void> mine = Ops.begin(ctx);
      channels.whenAcceptable(mine.ao, server, rc -> mine.ao.cancelled()); // loop 0 has a selector
      await().atMost(ofSeconds(5)).until(() -> channels.interestCount() == 1);
      Ops<Void> foreign = Ops.begin(other);
      // accepted, its callback would run on this context's loop 0, not on the ao's own loop
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> channels.whenAcceptable(foreign.ao, server, rc -> foreign.ao.cancelled()));
      assertTrue(e.getMessage().startsWith("ao "), e.getMessage());
      assertEquals(1, channels.interestCount());
      foreign.ao.complete(null);
      foreign.awaitOutcome();
      mine.ao.cancel();
      mine.awaitOutcome();
    } finally {
      other.close(Duration.ofSeconds(5));
    }
  }

  @Test
  void afterTheContextStopped_aNewInterestThrows_ratherThanDropItsCallback() {
    Ops<Void> op = Ops.begin(ctx);
    op.ao.complete(null);
    op.awaitOutcome();
    ctx.close();
    List<Rc> rcs = new CopyOnWriteArrayList<>();
    // the loop is gone: a start posted there would be dropped, and the callback never called
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> channels.whenAcceptable(op.ao, server, rcs::add));
    assertTrue(e.getMessage().contains("ch"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> Channels.of(ctx));
  }

  @Test
  void noThreadOfItsOwn_andContextCloseClosesEveryLoopsSelector() throws Exception {
    // Linux: a selector is an epoll descriptor; the JDK keeps none open otherwise in this test.
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
    long before = epollDescriptors();
    AoContext two = AoContext.builder().name("ch2").loops(2).build();
    Channels twoChannels = Channels.of(two);
    List<Ops<Void>> ops = new java.util.ArrayList<>();
    List<String> heard = new CopyOnWriteArrayList<>();
    for (AoLoop loop : two.loops()) {
      CompletableFuture<Ops<Void>> begun = new CompletableFuture<>();
      loop.execute(() -> begun.complete(Ops.begin(two))); // begun on the calling loop
      Ops<Void> op = begun.get(5, TimeUnit.SECONDS);
      ops.add(op);
      twoChannels.whenAcceptable(
          op.ao, server, rc -> heard.add(rc + (loop.inLoop() ? " on its loop" : " elsewhere")));
    }
    await().atMost(ofSeconds(5)).until(() -> twoChannels.interestCount() == 2);
    assertEquals(List.of(), Ops.helperThreads(two), "no selector thread");
    assertEquals(before + 2, epollDescriptors(), "one selector per loop");
    try (SocketChannel client = connect()) {
      await().atMost(ofSeconds(5)).until(() -> heard.size() == 2);
    }
    assertEquals(List.of("OK on its loop", "OK on its loop"), heard);
    for (Ops<Void> op : ops) {
      op.ao.complete(null);
      op.awaitOutcome();
    }
    assertEquals(0, twoChannels.keyCount());
    assertTrue(two.close(Duration.ofSeconds(10)));
    assertEquals(List.of(), Ops.helperThreads(two));
    assertEquals(before, epollDescriptors(), "every selector closed");
  }

  @Test
  void aStartRacingTheCloseOfAContextWithTwoLoopsLeavesNoSelectorOpen() throws Exception {
    // The start of an interest on an ended operation, from another thread, as the close begins:
    // it may open its loop's selector while the last loop to go quiet runs the service's close.
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
    long before = epollDescriptors();
    for (int round = 0; round < 1_000; round++) {
      AoContext two = AoContext.builder().name("ch-race").loops(2).build();
      Channels twoChannels = Channels.of(two);
      Ops<String> op = Ops.begin(two);
      op.ao.complete("ended");
      op.awaitOutcome();
      CompletableFuture<Void> go = new CompletableFuture<>();
      int spin = ThreadLocalRandom.current().nextInt(200_000);
      Thread starter = new Thread(() -> {
        go.join();
        for (long until = System.nanoTime() + spin; System.nanoTime() < until; ) {
          Thread.onSpinWait(); // a random moment of the close
        }
        try {
          twoChannels.whenAcceptable(op.ao, server, rc -> {});
        } catch (IllegalStateException refusedAfterTheClose) {
          // the other outcome of the race
        }
      }, "starter");
      starter.start();
      go.complete(null);
      assertTrue(two.close(Duration.ofSeconds(10)), "round " + round);
      starter.join();
      assertEquals(before, epollDescriptors(), "round " + round + ": a selector left open");
    }
  }

  @Test
  void aListenerClosedByItsCancelledInterestsCallbackIsClosedAtOnce() throws Exception {
    ServerSocketChannel listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    listener.configureBlocking(false);
    int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
    Ops<Void> op = Ops.begin(ctx);
    CompletableFuture<String> afterClose = new CompletableFuture<>();
    channels.whenAcceptable(op.ao, listener, rc -> {
      try {
        listener.close();
      } catch (Exception e) {
        afterClose.completeExceptionally(e);
      }
      afterClose.complete(bindResult(port)); // right after the close, still on the loop
      op.ao.cancelled();
    });
    await().atMost(ofSeconds(5)).until(() -> channels.interestCount() == 1);
    op.ao.cancel();
    assertEquals("free", afterClose.get(5, TimeUnit.SECONDS), "the port after the close");
    op.awaitOutcome();
  }

  private static String bindResult(int port) {
    try (ServerSocketChannel again = ServerSocketChannel.open()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return "free";
    } catch (Exception e) {
      return "still bound: " + e;
    }
  }

  @Test
  void timersFire_onALoopThatWaitsInItsSelector() {
    // The loop waits in select() (an accept interest no client answers); each sleep is started by
    // the previous one's callback, on the loop, so only select()'s own bound can end the waits.
    Ops<Void> op = Ops.begin(ctx);
    List<Rc> accept = new CopyOnWriteArrayList<>();
    channels.whenAcceptable(op.ao, server, accept::add);
    await().atMost(ofSeconds(5)).until(() -> channels.interestCount() == 1);
    Timers timers = Timers.of(ctx);
    AtomicInteger slept = new AtomicInteger();
    Runnable[] next = new Runnable[1];
    next[0] = () -> timers.sleep(op.ao, ofMillis(3), rc -> {
      if (rc == Rc.OK && slept.incrementAndGet() < 20) {
        next[0].run();
      }
    });
    op.ao.execute(next[0]);
    await().atMost(ofSeconds(10)).until(() -> slept.get() == 20);
    assertEquals(List.of(), accept);
    op.ao.complete(null);
    op.awaitOutcome();
    assertEquals(List.of(Rc.CANCEL), accept);
  }

  private static long epollDescriptors() throws Exception {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().contains("eventpoll");
        } catch (Exception e) {
          return false; // the descriptor closed while listed (the listing's own, say)
        }
      }).count();
    }
  }
}
