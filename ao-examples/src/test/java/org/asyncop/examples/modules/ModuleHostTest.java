package org.asyncop.examples.modules;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.asyncop.core.Rc;
import org.asyncop.examples.acceptor.Sockets;
import org.asyncop.examples.modules.deaf.IgnoresCleanupModule;
import org.asyncop.examples.modules.sample.TickerModule;
import org.asyncop.examples.modules.sample.WriterModule;
import org.junit.jupiter.api.Test;

class ModuleHostTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final int BIG = 32 << 20; // more than loopback socket buffers hold

  private final List<String> events = new CopyOnWriteArrayList<>();

  private static <T> T join(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  private int portOf(String module) {
    await().atMost(BOUND).until(() -> events.stream().anyMatch(e -> e.startsWith(module + ": listening on ")));
    String e = events.stream().filter(x -> x.startsWith(module + ": listening on ")).findFirst().orElseThrow();
    return Integer.parseInt(e.substring(e.lastIndexOf(' ') + 1));
  }

  private static SocketChannel connect(int port) throws IOException {
    return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
  }

  private void awaitEvent(String prefix) {
    await().atMost(BOUND).until(() -> events.stream().anyMatch(e -> e.startsWith(prefix)));
  }

  private int indexOf(String prefix) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no event " + prefix + " in " + events);
  }

  private static long openFds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  @Test
  void anUnloadedModulesClassLoaderIsCollected() throws Exception {
    ModuleHost host = ModuleHost.create("gc", BOUND, events::add);
    join(host.load("ticker", TickerModule.class.getName(), Map.of("periodMillis", "5")));
    WeakReference<ClassLoader> loader = new WeakReference<>(host.classLoaderOf("ticker").orElseThrow());
    assertNotSame(TickerModule.class.getClassLoader(), loader.get(), "the module has a loader of its own");
    try (SocketChannel c = connect(portOf("ticker"))) { // its channel callback runs
      ByteBuffer b = ByteBuffer.allocate(64);
      while (c.read(b) >= 0) {
        // until the module closes the connection
      }
      assertTrue(new String(b.array(), 0, b.position(), US_ASCII).startsWith("ticks "));
    }

    checkUnloaded(host, "ticker");
    assertTrue(indexOf("ticker: stopped after") < indexOf("ticker: deinit"), events.toString());
    assertTrue(host.loaded().isEmpty());
    await().atMost(BOUND).pollInterval(Duration.ofMillis(50)).until(() -> {
      System.gc();
      return loader.get() == null;
    });
    join(host.quit());
  }

  /**
   * Unloads and checks the report in a frame of its own: the report's outcome carries the cancel's
   * exception, whose stack trace pins the module's classes for as long as the report is held.
   */
  private static void checkUnloaded(ModuleHost host, String name) throws Exception {
    UnloadReport r = join(host.unload(name));
    assertEquals(Rc.CANCEL, r.outcome().rc());
    assertFalse(r.forced());
  }

  @Test
  void aModuleWithPendingWritesFinishesThemBeforeDeinit() throws Exception {
    ModuleHost host = ModuleHost.create("writes", BOUND, events::add);
    join(host.load("writer", WriterModule.class.getName(), Map.of("bytes", "" + BIG)));
    try (SocketChannel peer = connect(portOf("writer"))) {
      awaitEvent("writer: peer connected");
      CompletionStage<UnloadReport> unloading = host.unload("writer");
      awaitEvent("writer: cleanup: ");
      String cleanup = events.get(indexOf("writer: cleanup: "));
      assertFalse(cleanup.startsWith("writer: cleanup: 0 "), "writes are pending: " + cleanup);
      assertFalse(unloading.toCompletableFuture().isDone(), "no deinit while writes are pending");

      long read = 0;
      ByteBuffer b = ByteBuffer.allocate(1 << 16);
      for (int n; (n = peer.read(b.clear())) >= 0; ) { // the peer reads only now
        for (int i = 0; i < n; i++) {
          if (b.get(i) != (byte) (read + i)) {
            throw new AssertionError("byte " + (read + i) + " is wrong");
          }
        }
        read += n;
      }
      assertEquals(BIG, read, "every pending byte arrived");
      UnloadReport r = join(unloading);
      assertFalse(r.forced());
      assertEquals(Rc.CANCEL, r.outcome().rc());
      assertTrue(r.outcome().abandoned().isEmpty());
    }
    assertTrue(indexOf("writer: flushed") < indexOf("writer: deinit"), events.toString());
    join(host.quit());
  }

  @Test
  void aModuleThatNeverFinishesIsForcedAfterTheBoundAndReportedByName() throws Exception {
    Duration bound = Duration.ofMillis(300);
    ModuleHost host = ModuleHost.create("forced", bound, events::add);
    join(host.load("stubborn", WriterModule.class.getName(), Map.of("bytes", "" + BIG)));
    try (SocketChannel peer = connect(portOf("stubborn"))) { // and never reads
      awaitEvent("stubborn: peer connected");
      UnloadReport r = join(host.unload("stubborn"));
      assertTrue(r.forced());
      assertEquals("stubborn", r.name());
      assertEquals(List.of(WriterModule.FLUSH), r.outcome().abandoned());
      assertTrue(events.contains(
          "module stubborn did not finish its cleanup within " + bound + "; forcing it"), events.toString());
      assertTrue(indexOf("stubborn: flush cut short") < indexOf("stubborn: deinit"));
      assertTrue(peer.isOpen());
    }
    join(host.quit());
  }

  @Test
  void quitUnloadsEveryModuleAndTheLoopEndsByItself() throws Exception {
    long fdsBefore = openFds();
    ModuleHost host = ModuleHost.create("quit", BOUND, events::add);
    join(host.load("ticker", TickerModule.class.getName(), Map.of()));
    join(host.load("writer", WriterModule.class.getName(), Map.of("bytes", "1000")));
    CompletableFuture<Long> peerRead = new CompletableFuture<>();
    try (SocketChannel peer = connect(portOf("writer"))) {
      Thread reader = new Thread(() -> {
        long n = 0;
        try {
          ByteBuffer b = ByteBuffer.allocate(4096);
          for (int k; (k = peer.read(b.clear())) >= 0; ) {
            n += k;
          }
          peerRead.complete(n);
        } catch (IOException e) {
          peerRead.completeExceptionally(e);
        }
      });
      reader.start();
      // connected is not yet accepted: a quit before the accept closes the listening socket, and
      // the kernel resets the connection still in its backlog
      awaitEvent("writer: peer connected");
      List<UnloadReport> reports = join(host.quit());
      assertEquals(List.of("ticker", "writer"),
          reports.stream().map(UnloadReport::name).sorted().toList());
      assertEquals(1000L, join(peerRead));
      reader.join();
    }
    assertTrue(host.context().isClosing());
    assertTrue(host.loaded().isEmpty());
    // the loop thread completes the stage as its last act, so it may take a moment to be gone
    await().atMost(BOUND).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("quit-"))); // no loop or selector thread is left
    await().atMost(BOUND).until(() -> openFds() <= fdsBefore);
    assertEquals(indexOf("no module left; the loop ends"), events.size() - 1);
  }

  /** A stage that must complete soon: a short bound, so that one that never completes fails fast. */
  private static <T> T soon(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void loadAndUnloadAfterQuitFailTheirStage_ratherThanPostToTheStoppedLoop() throws Exception {
    ModuleHost host = ModuleHost.create("after-quit", BOUND, events::add);
    join(host.quit()); // the loop has stopped: a task posted there would be dropped
    ExecutionException load = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> soon(host.load("t", TickerModule.class.getName(), Map.of())));
    assertInstanceOf(IllegalStateException.class, load.getCause());
    ExecutionException unload = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> soon(host.unload("t")));
    assertInstanceOf(NoSuchElementException.class, unload.getCause());
    assertTrue(host.loaded().isEmpty());
  }

  @Test
  void aLoadThatMeetsTheContextsCloseFailsAndTheCloseEnds() throws Exception {
    ModuleHost host = ModuleHost.create("closing", BOUND, events::add);
    CountDownLatch release = new CountDownLatch(1);
    host.context().loops().get(0).execute(() -> { // hold the loop so both requests queue up
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    CompletionStage<Void> loading = host.load("t", TickerModule.class.getName(), Map.of());
    CompletionStage<Void> closed = host.context().closeAsync(); // the init runs once it began
    release.countDown();
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> soon(loading));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    soon(closed);
    assertTrue(host.loaded().isEmpty());
  }

  @Test
  void aTickerWhoseSettingIsBadFailsItsLoadAndLeavesNoSocketOpen() throws Exception {
    ModuleHost host = ModuleHost.create("bad-period", BOUND, events::add);
    long sockets = Sockets.openSockets();
    for (String period : List.of("x", "0")) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> join(host.load("t" + period, TickerModule.class.getName(), Map.of("periodMillis", period))));
      assertInstanceOf(IllegalArgumentException.class, e.getCause()); // NumberFormatException too
    }
    assertEquals(sockets, Sockets.openSockets(), "the failed inits left their listening sockets open");
    join(host.quit());
  }

  @Test
  void quitWithAModuleThatIgnoresItsCleanupFailsNamingIt_ratherThanNeverCompleting() throws Exception {
    ModuleHost host = ModuleHost.create("deaf", Duration.ofMillis(100), events::add);
    join(host.load("deaf", IgnoresCleanupModule.class.getName(), Map.of()));
    join(host.load("ticker", TickerModule.class.getName(), Map.of()));
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> soon(host.quit()));
    assertInstanceOf(TimeoutException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("deaf"), e.getCause().getMessage());
    assertEquals(List.of("deaf"), host.loaded(), "the stuck module stays loaded; the other went");
    assertFalse(host.context().isClosing());

    connect(portOf("deaf")).close(); // it ends after all: the host then ends as quit promised
    await().atMost(BOUND).until(() -> host.loaded().isEmpty() && host.context().isClosing());
    await().atMost(BOUND).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("deaf-")));
  }

  @Test
  void unloadingAModuleFoundStuckAgainFailsAtOnce_ratherThanNeverCompleting() throws Exception {
    ModuleHost host = ModuleHost.create("stuck-twice", Duration.ofMillis(100), events::add);
    join(host.load("deaf", IgnoresCleanupModule.class.getName(), Map.of()));
    for (int attempt = 1; attempt <= 2; attempt++) { // the second finds it stuck already
      int a = attempt;
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> soon(host.unload("deaf")), () -> "unload " + a + " of the stuck module");
      assertInstanceOf(TimeoutException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("deaf is stuck"), e.getCause().getMessage());
    }
    assertEquals(List.of("deaf"), host.loaded());
    connect(portOf("deaf")).close(); // it ends after all
    await().atMost(BOUND).until(() -> host.loaded().isEmpty());
    join(host.quit());
  }

  @Test
  void anEventListenerThatThrowsAnErrorBreaksNeitherUnloadNorQuit() throws Exception {
    ModuleHost host = ModuleHost.create("throwing-listener", BOUND, e -> {
      events.add(e);
      if (e.startsWith("deinit ")) {
        throw new AssertionError("a listener's own check failed on: " + e);
      }
    });
    join(host.load("ticker", TickerModule.class.getName(), Map.of()));
    assertEquals(Rc.CANCEL, soon(host.unload("ticker")).outcome().rc());
    assertTrue(host.loaded().isEmpty());
    soon(host.quit());
  }

  @Test
  void badLoadsFailTheStage() throws Exception {
    ModuleHost host = ModuleHost.create("bad", BOUND, events::add);
    ExecutionException e1 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> join(host.load("x", "org.asyncop.examples.modules.sample.NoSuchModule", Map.of())));
    assertInstanceOf(ClassNotFoundException.class, e1.getCause());
    ExecutionException e2 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> join(host.load("w", WriterModule.class.getName(), Map.of())));
    assertTrue(e2.getCause().getMessage().contains("bytes"), e2.getCause().getMessage());
    ExecutionException e3 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> join(host.unload("nobody")));
    assertInstanceOf(NoSuchElementException.class, e3.getCause());
    join(host.load("t", TickerModule.class.getName(), Map.of()));
    ExecutionException e4 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> join(host.load("t", TickerModule.class.getName(), Map.of())));
    assertInstanceOf(IllegalStateException.class, e4.getCause());
    join(host.quit());
    assertTrue(host.loaded().isEmpty());
  }
}
