package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.TestingServer;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Watches over a real ZooKeeper server that is stopped and restarted under them. */
class ZooKeeperWatchesTest {
  TestingServer server;
  AoContext ctx;

  @BeforeEach
  void open() throws Exception {
    server = ZkServers.start();
    ctx = AoContext.builder().name("zkw").build();
  }

  @AfterEach
  void close() throws Exception {
    try {
      if (!ctx.close(Duration.ofSeconds(10))) {
        throw new AssertionError("operations left running: " + ctx.liveOperations());
      }
    } finally {
      server.close();
    }
  }

  private ZooKeeperStore store(Duration sessionTimeout) {
    return ZooKeeperStore.builder(server.getConnectString())
        .sessionTimeout(sessionTimeout)
        .connectionTimeout(ofSeconds(3))
        .build();
  }

  @Test
  void await_serverStoppedAndRestarted_stillSeesTheValueWrittenAfterwards() throws Exception {
    try (ZooKeeperStore store = store(ofSeconds(30))) {
      Ops<String> op = Ops.begin(ctx);
      Watches.await(
          op.ao, store, "/local/domain/7/device-model/state", v -> v.equals(Optional.of("running")),
          ofSeconds(60), o -> Ops.completeAs(op.ao, o));
      await().atMost(ofSeconds(10)).until(() -> store.watchCount() == 1);
      server.stop();
      server.restart();
      // another client writes as soon as the server is back, possibly before our client has
      // reconnected: the server does not replay that change, the re-read after reconnect sees it
      try (ZooKeeperStore other = store(ofSeconds(30))) {
        other.write("/local/domain/7/device-model/state", "running");
      }
      Outcome<String> o = op.awaitOutcome();
      assertEquals(Rc.OK, o.rc(), String.valueOf(o));
      assertEquals("running", o.value());
      await().atMost(ofSeconds(10)).until(() -> store.watchCount() == 0);
    }
  }

  @Test
  void await_sessionLostWhileServerDown_failsWithStoreException() throws Exception {
    try (ZooKeeperStore store = store(ofSeconds(2))) {
      Ops<String> op = Ops.begin(ctx);
      Watches.await(op.ao, store, "/never", Optional::isPresent, ofSeconds(60), o -> Ops.completeAs(op.ao, o));
      await().atMost(ofSeconds(10)).until(() -> store.watchCount() == 1);
      server.stop(); // down for longer than the session timeout: the session is lost
      Outcome<String> o = op.awaitOutcome();
      assertEquals(Rc.FAIL, o.rc(), String.valueOf(o));
      assertInstanceOf(StoreException.class, o.failure());
      server.restart();
    }
  }

  /**
   * The re-read after a reconnect runs on the store's admin thread. A listener that makes another
   * watch from there (every store method is safe from any thread) must get it, not wait forever
   * for the thread it runs on.
   */
  @Test
  void watch_fromTheReReadAfterReconnect_isMade() throws Exception {
    try (ZooKeeperStore store = store(ofSeconds(30))) {
      CompletableFuture<StoreWatch> nested = new CompletableFuture<>();
      List<String> heard = new CopyOnWriteArrayList<>();
      store.watch("/a", p -> {
        if (!nested.isDone()) { // nothing writes /a: only the re-read calls this
          try {
            nested.complete(store.watch("/b", heard::add, e -> { }));
          } catch (Throwable e) {
            nested.completeExceptionally(e);
          }
        }
      }, e -> { });
      server.stop();
      server.restart();
      StoreWatch b = nested.get(10, TimeUnit.SECONDS);
      store.write("/b", "x");
      await().atMost(ofSeconds(10)).until(() -> heard.contains("/b"));
      b.close();
    }
  }

  /** Likewise a listener that closes the store from the re-read: every watch still fails. */
  @Test
  void close_fromTheReReadAfterReconnect_failsEveryWatch() throws Exception {
    ZooKeeperStore store = store(ofSeconds(30));
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    StoreWatch a = store.watch("/a", p -> store.close(), failures::add);
    StoreWatch b = store.watch("/b", p -> { }, failures::add);
    server.stop();
    server.restart();
    await().atMost(ofSeconds(10)).until(() -> failures.size() == 2);
    failures.forEach(f -> assertInstanceOf(IllegalStateException.class, f));
    assertTrue(store.isClosed());
    assertTrue(a.removed().toCompletableFuture().isDone() && b.removed().toCompletableFuture().isDone());
    assertEquals(0, store.watchCount());
    store.close();
  }

  /**
   * A change listener, on ZooKeeper's event thread, that closes the store: close() returns at once
   * and every watch still fails, the listener's own once its call has returned. The admin thread,
   * failing the watches, used to wait for that listener call to end (to keep the watch's calls from
   * overlapping) while close() waited for the admin thread: close() stalled for its 10 s limit,
   * then interrupted the admin thread.
   */
  @Test
  void close_fromAChangeListener_returnsPromptly_andFailsEveryWatch() throws Exception {
    ZooKeeperStore store = store(ofSeconds(30));
    List<String> calls = new CopyOnWriteArrayList<>();
    CountDownLatch closeReturned = new CountDownLatch(1);
    StoreWatch a = store.watch("/a", p -> {
      calls.add("change");
      store.close();
      calls.add("close returned");
      closeReturned.countDown();
    }, e -> calls.add("failure " + e.getClass().getSimpleName()));
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    StoreWatch b = store.watch("/b", p -> { }, failures::add);
    assertEquals(1, ZkServers.serverWatchedPaths(server, "/asyncop"));
    try (ZooKeeperStore other = store(ofSeconds(30))) {
      other.write("/a", "x");
    }
    // a liveness bound far above what close takes (well under a second), below the old 10 s stall
    assertTrue(closeReturned.await(5, TimeUnit.SECONDS), "close() from the listener did not return");
    a.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    b.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(List.of("change", "close returned", "failure IllegalStateException"), calls);
    assertEquals(1, failures.size());
    assertInstanceOf(IllegalStateException.class, failures.get(0));
    assertEquals(0, store.watchCount());
    await().atMost(ofSeconds(10)).until(() -> ZkServers.serverWatchedPaths(server, "/asyncop") == 0);
    store.close();
  }

  /**
   * A listener on ZooKeeper's event thread that makes a watch while the admin thread re-reads the
   * listener's own watch after a reconnect gets it. The admin thread used to wait for that listener
   * call to end (to keep the watch's calls from overlapping) while the listener waited for the
   * admin thread to add the new watch: both waited forever.
   *
   * <p>How the interleaving is forced: two watches, on the sibling paths /a and /b, which nothing
   * writes before the restart, so the first listener call after it is the re-read, on the admin
   * thread, of whichever of the two the store re-reads first (the test need not know which). That
   * call holds the admin thread on a latch until the test has written the other watch's path and
   * the other watch's listener runs on the event thread; that listener lets the admin thread go and
   * makes a watch, while the admin thread goes on to re-read the other watch, whose listener call
   * is still running.
   */
  @Test
  void watch_fromAListenerWhileTheAdminReReadsItsWatch_isMade() throws Exception {
    try (ZooKeeperStore store = store(ofSeconds(30))) {
      AtomicReference<String> heldBy = new AtomicReference<>();
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch otherRunning = new CountDownLatch(1);
      CompletableFuture<StoreWatch> nested = new CompletableFuture<>();
      List<String> heardC = new CopyOnWriteArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      Map<String, List<String>> threads = new ConcurrentHashMap<>();
      Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
      for (String path : List.of("/a", "/b")) {
        threads.put(path, new CopyOnWriteArrayList<>());
        running.put(path, new AtomicInteger());
        store.watch(path, p -> {
          if (running.get(path).incrementAndGet() != 1) {
            errors.add(new AssertionError("calls for " + path + " overlap"));
          }
          threads.get(path).add(Thread.currentThread().getName());
          try {
            if (heldBy.compareAndSet(null, path)) { // the re-read of the first watch re-read
              holding.countDown();
              if (!otherRunning.await(10, TimeUnit.SECONDS)) {
                errors.add(new AssertionError("the other listener did not run"));
              }
            } else if (!path.equals(heldBy.get()) && otherRunning.getCount() > 0) { // the test's write
              otherRunning.countDown();
              nested.complete(store.watch("/c", heardC::add, e -> { }));
            }
          } catch (Throwable e) {
            nested.completeExceptionally(e);
          } finally {
            running.get(path).decrementAndGet();
          }
        }, e -> { });
      }
      server.stop();
      server.restart();
      assertTrue(holding.await(10, TimeUnit.SECONDS), "no re-read after the reconnect");
      String other = heldBy.get().equals("/a") ? "/b" : "/a";
      store.write(other, "x");
      StoreWatch c = nested.get(10, TimeUnit.SECONDS);
      // the other watch's re-read was not lost: it came after the listener call that made /c
      await().atMost(ofSeconds(10)).until(() -> threads.get(other).size() == 2);
      assertEquals("asyncop-zkstore-admin", threads.get(heldBy.get()).get(0), "the held call is the re-read");
      store.write("/c", "y");
      await().atMost(ofSeconds(10)).until(() -> heardC.contains("/c"));
      assertEquals(List.of(), errors);
      c.close();
      c.removed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Closing a store whose server is gone must not wait on ZooKeeper per watch: it used to remove
   * each watched path's server watch in turn, each call held about a second until the client's
   * next connection attempt failed (50 paths: about a minute).
   */
  @Test
  void close_serverDown_failsEveryWatchPromptly() throws Exception {
    ZooKeeperStore store = store(ofSeconds(30));
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<StoreWatch> ws = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ws.add(store.watch("/p" + i, p -> {}, failures::add));
    }
    server.stop();
    Thread closer = new Thread(store::close, "closer");
    closer.start();
    // a liveness bound, far above what close takes (well under a second)
    await().atMost(ofSeconds(5)).until(() -> !closer.isAlive());
    closer.join();
    assertEquals(50, failures.size());
    failures.forEach(f -> assertInstanceOf(IllegalStateException.class, f));
    for (StoreWatch w : ws) {
      assertTrue(w.removed().toCompletableFuture().isDone());
    }
    assertEquals(0, store.watchCount());
  }

  @Test
  void watch_tenThousandOnOneAo_cancelled_leaveNoServerWatch() throws Exception {
    try (ZooKeeperStore store = store(ofSeconds(30))) {
      Ops<Void> op = Ops.begin(ctx);
      for (int i = 0; i < 10_000; i++) {
        Watches.watch(op.ao, store, "/w/" + (i % 100), e -> {});
      }
      await().atMost(ofSeconds(30)).until(() -> store.watchCount() == 10_000);
      // one server watch for the store, however many paths and watches
      assertEquals(1, ZkServers.serverWatchedPaths(server, "/asyncop"));
      op.ao.cancel();
      op.ao.execute(op.ao::cancelled);
      // the outcome waits until the server confirmed every removal
      assertEquals(Rc.CANCEL, op.awaitOutcome().rc());
      assertEquals(0, store.watchCount());
      assertEquals(0, ZkServers.serverWatchedPaths(server, "/asyncop"));
    }
  }
}
