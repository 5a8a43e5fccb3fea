package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WatchesTest {
  AoContext ctx;
  MemoryStore store;

  @BeforeEach
  void open() {
    ctx = AoContext.builder().name("wt").build();
    store = new MemoryStore();
  }

  @AfterEach
  void close() {
    store.close();
    if (!ctx.close(Duration.ofSeconds(5))) {
      throw new AssertionError("operations left running: " + ctx.liveOperations());
    }
  }

  private Thread loopThread() {
    AtomicReference<Thread> t = new AtomicReference<>();
    ctx.loops().get(0).execute(() -> t.set(Thread.currentThread()));
    await().atMost(ofSeconds(5)).until(() -> t.get() != null);
    return t.get();
  }

  // ---------------------------------------------------------------- watch

  @Test
  void watch_deliversChangesOnTheLoop_thenOneCancelEnd_andOutcomeAfterRemoval() {
    Ops<Void> op = Ops.begin(ctx);
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    AtomicReference<Integer> watchesAtOutcome = new AtomicReference<>();
    Watches.watch(
        op.ao,
        store,
        "/d",
        e -> {
          events.add(e);
          threads.add(Thread.currentThread());
          if (e.isEnd()) {
            op.ao.cancelled();
          }
        });
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 1);
    store.write("/d/x", "1");
    store.write("/other", "1");
    await().atMost(ofSeconds(5)).until(() -> events.stream().anyMatch(e -> "/d/x".equals(e.path())));
    op.ao.cancel();
    Outcome<Void> o = op.awaitOutcome();
    watchesAtOutcome.set(store.watchCount());
    assertEquals(Rc.CANCEL, o.rc());
    WatchEvent last = events.get(events.size() - 1);
    assertTrue(last.isEnd(), events.toString());
    assertEquals(Rc.CANCEL, last.rc());
    assertEquals(1, events.stream().filter(WatchEvent::isEnd).count(), events.toString());
    assertTrue(events.stream().filter(e -> !e.isEnd()).allMatch(e -> StorePath.within(e.path(), "/d")), events.toString());
    assertEquals(0, watchesAtOutcome.get());
    Thread loop = loopThread();
    assertTrue(threads.stream().allMatch(t -> t == loop), threads.toString());
  }

  @Test
  void watch_storeClosed_endsWithFailOnce() {
    Ops<Void> op = Ops.begin(ctx);
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    Watches.watch(op.ao, store, "/d", events::add);
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 1);
    store.close();
    await().atMost(ofSeconds(5)).until(() -> !events.isEmpty());
    op.ao.complete(null);
    op.awaitOutcome();
    assertEquals(1, events.size(), events.toString());
    assertEquals(Rc.FAIL, events.get(0).rc());
    assertInstanceOf(IllegalStateException.class, events.get(0).failure());
  }

  @Test
  void watch_closedRegistration_endsWithCancelOnce_andAoCompletionAddsNoSecondEnd() {
    Ops<String> op = Ops.begin(ctx);
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    Registration r = Watches.watch(op.ao, store, "/d", events::add);
    r.close();
    r.close();
    await().atMost(ofSeconds(5)).until(() -> !events.isEmpty());
    op.ao.complete("done");
    assertEquals("done", op.awaitOutcome().value());
    assertEquals(1, events.size(), events.toString());
    assertEquals(Rc.CANCEL, events.get(0).rc());
    assertEquals(0, store.watchCount());
  }

  @Test
  void watch_listenerThatThrows_keepsTheWatchAlive() {
    Ops<Void> op = Ops.begin(ctx);
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    Watches.watch(
        op.ao,
        store,
        "/d",
        e -> {
          events.add(e);
          throw new IllegalStateException("listener bug");
        });
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 1);
    store.write("/d", "1");
    store.write("/d", "2");
    await().atMost(ofSeconds(5)).until(() -> events.size() >= 2);
    op.ao.complete(null);
    op.awaitOutcome();
    assertEquals(3, events.size(), events.toString());
    assertTrue(events.get(2).isEnd());
  }

  // ---------------------------------------------------------------- await

  @Test
  void await_alreadyTrue_isOkWithTheValue_neverInsideTheCall() {
    store.write("/dm/state", "running");
    Ops<String> op = Ops.begin(ctx);
    AtomicBoolean inCall = new AtomicBoolean();
    AtomicBoolean calledInside = new AtomicBoolean();
    // called on the loop: a callback made inside the call would run before it returns
    op.ao.execute(
        () -> {
          inCall.set(true);
          Watches.await(
              op.ao,
              store,
              "/dm/state",
              v -> v.equals(Optional.of("running")),
              ofSeconds(10),
              o -> {
                calledInside.set(inCall.get());
                Ops.completeAs(op.ao, o);
              });
          inCall.set(false);
        });
    Outcome<String> o = op.awaitOutcome();
    assertEquals(Rc.OK, o.rc());
    assertEquals("running", o.value());
    assertFalse(calledInside.get());
    assertEquals(0, store.watchCount());
  }

  @Test
  void await_becomesTrueAfterWrites_isOk() {
    Ops<String> op = Ops.begin(ctx);
    Watches.await(op.ao, store, "/dm/state", v -> v.equals(Optional.of("running")), ofSeconds(10), o -> Ops.completeAs(op.ao, o));
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 1);
    store.write("/dm/state", "starting");
    store.write("/dm/state", "running");
    Outcome<String> o = op.awaitOutcome();
    assertEquals("running", o.value());
    assertEquals(0, store.watchCount());
  }

  @Test
  void await_absentAccepted_isOkWithNull() {
    Ops<String> op = Ops.begin(ctx);
    Watches.await(op.ao, store, "/gone", Optional::isEmpty, ofSeconds(10), o -> Ops.completeAs(op.ao, o));
    Outcome<String> o = op.awaitOutcome();
    assertEquals(Rc.OK, o.rc());
    assertNull(o.value());
  }

  @Test
  void await_timesOut_failsWithTimeoutException_andLeavesNothing() {
    Ops<String> op = Ops.begin(ctx);
    Watches.await(op.ao, store, "/never", Optional::isPresent, Duration.ofMillis(50), o -> Ops.completeAs(op.ao, o));
    Outcome<String> o = op.awaitOutcome();
    assertEquals(Rc.FAIL, o.rc());
    assertInstanceOf(TimeoutException.class, o.failure());
    assertEquals(0, store.watchCount());
  }

  @Test
  void await_cancelled_isCancel() {
    Ops<String> op = Ops.begin(ctx);
    Watches.await(op.ao, store, "/never", Optional::isPresent, ofSeconds(30), o -> Ops.completeAs(op.ao, o));
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 1);
    op.ao.cancel();
    assertEquals(Rc.CANCEL, op.awaitOutcome().rc());
    assertEquals(0, store.watchCount());
  }

  @Test
  void await_closedRegistration_isCancel() {
    Ops<String> op = Ops.begin(ctx);
    Registration r = Watches.await(op.ao, store, "/never", Optional::isPresent, ofSeconds(30), o -> Ops.completeAs(op.ao, o));
    r.close();
    assertEquals(Rc.CANCEL, op.awaitOutcome().rc());
  }

  @Test
  void await_predicateThrows_failsWithIt() {
    Ops<String> op = Ops.begin(ctx);
    IllegalStateException bug = new IllegalStateException("predicate bug");
    Watches.await(op.ao, store, "/p", v -> { throw bug; }, ofSeconds(10), o -> Ops.completeAs(op.ao, o));
    Outcome<String> o = op.awaitOutcome();
    assertEquals(Rc.FAIL, o.rc());
    assertSame(bug, o.failure());
  }

  @Test
  void await_storeClosedWhileWaiting_fails() {
    Ops<String> op = Ops.begin(ctx);
    Watches.await(op.ao, store, "/p", Optional::isPresent, ofSeconds(30), o -> Ops.completeAs(op.ao, o));
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 1);
    store.close();
    Outcome<String> o = op.awaitOutcome();
    assertEquals(Rc.FAIL, o.rc());
    assertInstanceOf(IllegalStateException.class, o.failure());
  }

  @Test
  void await_racingItsTimeoutACancelAndAWrite_endsExactlyOnceAndLeavesNothing() throws Exception {
    int batches = 20;
    int perBatch = 100;
    for (int b = 0; b < batches; b++) {
      List<Ops<String>> ops = new ArrayList<>();
      AtomicIntegerArray doneCalls = new AtomicIntegerArray(perBatch);
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      for (int i = 0; i < perBatch; i++) {
        Ops<String> op = Ops.begin(ctx);
        ops.add(op);
        int idx = i;
        Watches.await(
            op.ao,
            store,
            "/race/" + (i % 10),
            v -> v.equals(Optional.of("go")),
            Duration.ofMillis(1 + ThreadLocalRandom.current().nextInt(3)),
            o -> {
              doneCalls.incrementAndGet(idx);
              Ops.completeAs(op.ao, o);
            });
      }
      Thread canceller =
          new Thread(
              () -> {
                try {
                  for (int i = perBatch - 1; i >= 0; i -= 2) {
                    ops.get(i).ao.cancel();
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 10; i++) {
                    store.write("/race/" + i, "go");
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      canceller.start();
      writer.start();
      canceller.join();
      writer.join();
      assertEquals(List.of(), errors);
      for (Ops<String> op : ops) {
        op.awaitOutcome();
      }
      for (int i = 0; i < perBatch; i++) {
        assertEquals(1, doneCalls.get(i), "done calls of await " + i);
      }
      assertEquals(0, store.watchCount());
      store.remove("/race");
    }
  }

  // ---------------------------------------------------------------- arguments, leaks

  @Test
  void badArguments_throwAtTheCall() {
    Ops<String> op = Ops.begin(ctx);
    Ao<String> ao = op.ao;
    WatchableStoreContract.assertNpe("ao", () -> Watches.watch(null, store, "/a", e -> {}));
    WatchableStoreContract.assertNpe("store", () -> Watches.watch(ao, null, "/a", e -> {}));
    WatchableStoreContract.assertNpe("path", () -> Watches.watch(ao, store, null, e -> {}));
    WatchableStoreContract.assertNpe("listener", () -> Watches.watch(ao, store, "/a", null));
    WatchableStoreContract.assertNpe("ao", () -> Watches.await(null, store, "/a", v -> true, ofSeconds(1), o -> {}));
    WatchableStoreContract.assertNpe("store", () -> Watches.await(ao, null, "/a", v -> true, ofSeconds(1), o -> {}));
    WatchableStoreContract.assertNpe("path", () -> Watches.await(ao, store, null, v -> true, ofSeconds(1), o -> {}));
    WatchableStoreContract.assertNpe("until", () -> Watches.await(ao, store, "/a", null, ofSeconds(1), o -> {}));
    WatchableStoreContract.assertNpe("timeout", () -> Watches.await(ao, store, "/a", v -> true, null, o -> {}));
    WatchableStoreContract.assertNpe("done", () -> Watches.await(ao, store, "/a", v -> true, ofSeconds(1), null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Watches.watch(ao, store, "rel", x -> {}));
    assertTrue(e.getMessage().contains("\"rel\""), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Watches.await(ao, store, "/a", v -> true, Duration.ZERO, o -> {}));
    assertTrue(e.getMessage().contains("timeout"), e.getMessage());
    store.close();
    assertThrows(IllegalStateException.class, () -> Watches.watch(ao, store, "/a", x -> {}));
    assertThrows(IllegalStateException.class, () -> Watches.await(ao, store, "/a", v -> true, ofSeconds(1), o -> {}));
    ao.complete(null);
  }

  @Test
  void contextClose_endsWatchesAndAwaits_andLeavesNoThread() {
    Ops<String> a = Ops.begin(ctx);
    Ops<String> w = Ops.begin(ctx);
    Watches.await(a.ao, store, "/never", Optional::isPresent, ofSeconds(30), o -> Ops.completeAs(a.ao, o));
    Watches.watch(w.ao, store, "/never", e -> {
      if (e.isEnd()) {
        w.ao.cancelled();
      }
    });
    await().atMost(ofSeconds(5)).until(() -> store.watchCount() == 2);
    ctx.close();
    assertEquals(Rc.CANCEL, a.awaitOutcome().rc());
    assertEquals(Rc.CANCEL, w.awaitOutcome().rc());
    assertEquals(0, store.watchCount());
    await().atMost(ofSeconds(10)).until(() -> Ops.helperThreads(ctx).isEmpty());
  }

  @Test
  void afterTheContextStopped_watchAndAwaitThrow_ratherThanDropTheirCallbacks() {
    Ops<String> op = Ops.begin(ctx);
    Watches.await(op.ao, store, "/x", v -> true, ofSeconds(30), o -> Ops.completeAs(op.ao, o));
    op.awaitOutcome(); // the context's watch service is in use
    ctx.close();
    List<Object> heard = new CopyOnWriteArrayList<>();
    // the loop is gone: a start posted there would be dropped, and nothing would ever be heard
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> Watches.watch(op.ao, store, "/x", heard::add));
    assertTrue(e.getMessage().contains("wt"), e.getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> Watches.await(op.ao, store, "/x", v -> true, ofSeconds(1), heard::add));
  }
}
