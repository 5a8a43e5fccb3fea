package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link WatchableStore} must meet; one subclass per store. Each test starts
 * with a fresh, empty store.
 */
abstract class WatchableStoreContract {
  WatchableStore store;

  /** A fresh, empty store. */
  abstract WatchableStore newStore() throws Exception;

  /** Asserts that nothing of any watch is left in the store (and on its server, if any). */
  abstract void assertNoWatchesLeft() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  // ---------------------------------------------------------------- data

  @Test
  void read_absentPath_isEmpty() {
    assertEquals(Optional.empty(), store.read("/no/such/node"));
  }

  @Test
  void write_thenRead_givesTheValue() {
    store.write("/local/domain/7/state", "running");
    assertEquals(Optional.of("running"), store.read("/local/domain/7/state"));
    store.write("/local/domain/7/state", "");
    assertEquals(Optional.of(""), store.read("/local/domain/7/state"), "empty value is a value");
  }

  @Test
  void write_unicodeValue_roundTrips() {
    store.write("/u", "grüße ✓ \n two lines");
    assertEquals(Optional.of("grüße ✓ \n two lines"), store.read("/u"));
  }

  @Test
  void write_createsParentsWithoutValues() {
    store.write("/a/b/c", "x");
    assertEquals(List.of("a"), store.children("/"));
    assertEquals(List.of("b"), store.children("/a"));
    assertEquals(Optional.empty(), store.read("/a/b"));
  }

  @Test
  void node_holdsValueAndChildren() {
    store.write("/dev", "parent-value");
    store.write("/dev/vif", "child-value");
    assertEquals(Optional.of("parent-value"), store.read("/dev"));
    assertEquals(Optional.of("child-value"), store.read("/dev/vif"));
    assertEquals(List.of("vif"), store.children("/dev"));
  }

  @Test
  void children_areSortedNamesAndEmptyForAbsent() {
    store.write("/p/zeta", "1");
    store.write("/p/alpha", "2");
    store.write("/p/mid/deep", "3");
    assertEquals(List.of("alpha", "mid", "zeta"), store.children("/p"));
    assertEquals(List.of(), store.children("/absent"));
  }

  @Test
  void remove_takesTheSubtreeAndLeavesSiblings() {
    store.write("/r/a", "1");
    store.write("/r/a/b/c", "2");
    store.write("/r/z", "3");
    store.remove("/r/a");
    assertEquals(Optional.empty(), store.read("/r/a"));
    assertEquals(Optional.empty(), store.read("/r/a/b/c"));
    assertEquals(List.of("z"), store.children("/r"));
    store.remove("/r/a"); // absent: nothing happens
  }

  @Test
  void remove_root_emptiesTheStore() {
    store.write("/", "root-value");
    store.write("/x/y", "1");
    store.remove("/");
    assertEquals(Optional.empty(), store.read("/"));
    assertEquals(List.of(), store.children("/"));
  }

  @Test
  void compareAndSet_replacesOnlyWhenExpected() {
    assertTrue(store.compareAndSet("/c/v", Optional.empty(), Optional.of("1")));
    assertFalse(store.compareAndSet("/c/v", Optional.empty(), Optional.of("2")));
    assertFalse(store.compareAndSet("/c/v", Optional.of("0"), Optional.of("2")));
    assertTrue(store.compareAndSet("/c/v", Optional.of("1"), Optional.of("2")));
    assertEquals(Optional.of("2"), store.read("/c/v"));
  }

  @Test
  void compareAndSet_toEmpty_clearsValueAndKeepsChildren() {
    store.write("/c", "v");
    store.write("/c/kid", "k");
    assertTrue(store.compareAndSet("/c", Optional.of("v"), Optional.empty()));
    assertEquals(Optional.empty(), store.read("/c"));
    assertEquals(List.of("kid"), store.children("/c"));
  }

  @Test
  void compareAndSet_concurrentIncrements_loseNoUpdate() throws Exception {
    int threads = 4;
    int each = incrementsPerThread();
    store.write("/counter", "0");
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Racers.run(threads, errors, t -> {
      for (int i = 0; i < each; i++) {
        for (; ; ) {
          Optional<String> cur = store.read("/counter");
          String next = Integer.toString(Integer.parseInt(cur.orElseThrow()) + 1);
          if (store.compareAndSet("/counter", cur, Optional.of(next))) {
            break;
          }
        }
      }
    });
    assertEquals(List.of(), errors);
    assertEquals(Optional.of(Integer.toString(threads * each)), store.read("/counter"));
  }

  @Test
  void watch_concurrentWriters_eachPathSeenInOrderAndEndingWithItsLastValue() throws Exception {
    int writers = 4;
    int each = incrementsPerThread();
    for (int t = 0; t < writers; t++) {
      store.write("/ord/t" + t, "-1");
    }
    List<List<Integer>> seen = new ArrayList<>();
    for (int t = 0; t < writers; t++) {
      seen.add(new CopyOnWriteArrayList<>());
    }
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    try (StoreWatch w =
        store.watch(
            "/ord",
            p -> {
              if (p.startsWith("/ord/t")) {
                int t = Integer.parseInt(p.substring(6));
                store.read(p).ifPresent(v -> seen.get(t).add(Integer.parseInt(v)));
              }
            },
            errors::add)) {
      Racers.run(writers, errors, me -> {
        for (int i = 0; i < each; i++) {
          store.write("/ord/t" + me, Integer.toString(i));
        }
      });
      await()
          .atMost(ofSeconds(30))
          .until(() -> seen.stream().allMatch(l -> !l.isEmpty() && l.get(l.size() - 1) == each - 1));
    }
    assertEquals(List.of(), errors);
    for (List<Integer> l : seen) {
      for (int i = 1; i < l.size(); i++) {
        assertTrue(l.get(i - 1) <= l.get(i), "values went back: " + l);
      }
    }
  }

  /** How many increments each of the four writers makes (fewer for a remote store). */
  int incrementsPerThread() {
    return 200;
  }

  // ---------------------------------------------------------------- bad input

  @ParameterizedTest
  @ValueSource(strings = {"", "relative/path", "/trailing/", "//double", "/a//b", "/.hidden", "/a/.value", "/sp ace", "/star*"})
  void malformedPath_isRejectedByEveryMethodNamingIt(String bad) {
    for (Runnable call :
        List.<Runnable>of(
            () -> store.read(bad),
            () -> store.write(bad, "v"),
            () -> store.remove(bad),
            () -> store.children(bad),
            () -> store.compareAndSet(bad, Optional.empty(), Optional.of("v")),
            () -> store.watch(bad, p -> {}, e -> {}))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
      assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
    }
  }

  @Test
  void nullArguments_throwNpeNamingThem() {
    assertNpe("path", () -> store.read(null));
    assertNpe("path", () -> store.write(null, "v"));
    assertNpe("value", () -> store.write("/a", null));
    assertNpe("path", () -> store.remove(null));
    assertNpe("path", () -> store.children(null));
    assertNpe("expected", () -> store.compareAndSet("/a", null, Optional.empty()));
    assertNpe("next", () -> store.compareAndSet("/a", Optional.empty(), null));
    assertNpe("onChange", () -> store.watch("/a", null, e -> {}));
    assertNpe("onFailure", () -> store.watch("/a", p -> {}, null));
  }

  static void assertNpe(String name, Runnable call) {
    NullPointerException e = assertThrows(NullPointerException.class, call::run);
    assertEquals(name, e.getMessage());
  }

  @Test
  void closedStore_throwsIllegalState_andFailsItsWatches() {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    StoreWatch w = store.watch("/w", p -> {}, failure::set);
    store.close();
    assertTrue(store.isClosed());
    assertInstanceOf(IllegalStateException.class, failure.get());
    assertTrue(w.removed().toCompletableFuture().isDone());
    assertThrows(IllegalStateException.class, () -> store.read("/a"));
    assertThrows(IllegalStateException.class, () -> store.write("/a", "v"));
    assertThrows(IllegalStateException.class, () -> store.watch("/a", p -> {}, e -> {}));
    store.close(); // idempotent
  }

  // ---------------------------------------------------------------- watches

  @Test
  void watch_hearsThePathAndBelow_notSiblings() {
    ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
    try (StoreWatch w = store.watch("/dom/7", heard::add, e -> {})) {
      store.write("/dom/8/state", "other");
      store.write("/dom/7", "self");
      store.write("/dom/7/device-model/state", "running");
      await().atMost(ofSeconds(10)).until(() -> heard.contains("/dom/7/device-model/state"));
      assertTrue(heard.contains("/dom/7"), heard.toString());
      assertTrue(heard.stream().allMatch(p -> StorePath.within(p, "/dom/7")), heard.toString());
    }
  }

  @Test
  void watch_hearsRemovalOfAnAncestor() {
    store.write("/gone/child", "1");
    ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
    try (StoreWatch w = store.watch("/gone/child", heard::add, e -> {})) {
      store.remove("/gone");
      await().atMost(ofSeconds(10)).until(() -> heard.contains("/gone/child"));
      assertEquals(Optional.empty(), store.read("/gone/child"));
    }
  }

  @Test
  void watch_changesInOrder_andBurstEndsWithCurrentValueVisible() {
    int n = 50;
    List<String> heard = new CopyOnWriteArrayList<>();
    AtomicReference<Optional<String>> lastSeen = new AtomicReference<>(Optional.empty());
    store.write("/o", "parent");
    try (StoreWatch w =
        store.watch(
            "/o",
            p -> {
              heard.add(p);
              if (p.equals("/o/last")) {
                lastSeen.set(store.read("/o/last"));
              }
            },
            e -> {})) {
      // the parent exists and was heard: from here on every change is seen as it happens (a
      // folder store reports what it finds in a directory it had not seen yet in name order)
      store.write("/o", "start");
      await().atMost(ofSeconds(10)).until(() -> heard.contains("/o"));
      for (int i = 0; i < n; i++) {
        store.write("/o/k" + i, Integer.toString(i));
      }
      for (int i = 0; i < 200; i++) {
        store.write("/o/last", Integer.toString(i));
      }
      await().atMost(ofSeconds(20)).until(() -> lastSeen.get().equals(Optional.of("199")));
      List<Integer> firstSeen = new ArrayList<>();
      for (String p : heard) {
        if (p.startsWith("/o/k")) {
          int k = Integer.parseInt(p.substring(4));
          if (!firstSeen.contains(k)) {
            firstSeen.add(k);
          }
        }
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        expected.add(i);
      }
      assertEquals(expected, firstSeen, "each write heard, in the order made");
    }
  }

  @Test
  void watch_closed_hearsNothingMore() {
    List<String> heard = new CopyOnWriteArrayList<>();
    StoreWatch w = store.watch("/q", heard::add, e -> {});
    store.write("/q", "1");
    await().atMost(ofSeconds(10)).until(() -> heard.contains("/q"));
    w.close();
    await().atMost(ofSeconds(10)).until(() -> w.removed().toCompletableFuture().isDone());
    heard.clear();
    // a second watch proves the write below is delivered; the closed one must not hear it
    List<String> other = new CopyOnWriteArrayList<>();
    try (StoreWatch w2 = store.watch("/q", other::add, e -> {})) {
      store.write("/q", "2");
      await().atMost(ofSeconds(10)).until(() -> other.contains("/q"));
    }
    assertEquals(List.of(), heard);
  }

  @Test
  void tenThousandWatches_addedAndClosed_leaveNoneBehind() throws Exception {
    List<StoreWatch> ws = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ws.add(store.watch("/many/p" + (i % 100), p -> {}, e -> {}));
    }
    for (StoreWatch w : ws) {
      w.close();
    }
    for (StoreWatch w : ws) {
      w.removed().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertNoWatchesLeft();
  }
}
