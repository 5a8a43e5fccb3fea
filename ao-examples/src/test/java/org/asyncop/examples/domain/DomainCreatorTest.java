package org.asyncop.examples.domain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Outcome;
import org.asyncop.core.Progress;
import org.asyncop.core.Rc;
import org.asyncop.examples.domain.DomainConfig.DeviceModelMode;
import org.asyncop.watch.DirectoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every path through the workflow ends in exactly one outcome, with its progress sequence, and
 * leaves nothing: no device model process, no store entries, no reserved id, no watch, no live
 * operation. Real parts throughout: a DirectoryStore folder, the shell script as a child process.
 */
class DomainCreatorTest {
  @TempDir Path folder;
  private AoContext ctx;
  private DirectoryStore store;
  private DomainCreator creator;

  @BeforeEach
  void setUp() {
    ctx = AoContext.builder().name("domain-test").build();
    store = DirectoryStore.open(folder);
    creator = new DomainCreator(ctx, store);
  }

  @AfterEach
  void tearDown() {
    assertTrue(ctx.close(Duration.ofSeconds(10)), "the context closed within its bound");
    store.close();
  }

  /** What the caller of one creation heard. */
  private static final class Heard {
    final List<String> progress = new CopyOnWriteArrayList<>();
    final CompletableFuture<Outcome<DomainId>> outcome = new CompletableFuture<>();
    final List<Outcome<DomainId>> all = new CopyOnWriteArrayList<>();

    AoHow<DomainId> how() {
      return AoHow.<DomainId>callback(o -> {
        all.add(o);
        outcome.complete(o);
      }).onProgress(p -> progress.add(p.phase()
          + (p.phase().equals(Progress.CLEANING_UP) ? ": " + p.detail().split(" ")[0] : "")));
    }

    Outcome<DomainId> await() throws Exception {
      Outcome<DomainId> o = outcome.get(20, TimeUnit.SECONDS);
      assertEquals(1, all.size(), "one outcome");
      return o;
    }

    void awaitPhase(String phase) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> progress.contains(phase));
    }
  }

  private static DomainConfig.Builder quick() {
    return DomainConfig.builder().buildTime(Duration.ofMillis(50))
        .deviceModelDelay(Duration.ofMillis(50)).deviceModelTimeout(Duration.ofSeconds(10));
  }

  private void assertNothingLeft() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(List.of(), LeftBehind.check(creator, store));
      assertEquals(0, store.watchCount(), "watches left on the store");
      assertEquals(List.of(), ctx.liveOperations(), "operations still live");
    });
  }

  private static final List<String> CREATE = List.of(
      "reserving id", "writing entries", "building", "spawning device model",
      "waiting for device model");
  private static final List<String> CLEANUP_WITH_DM = List.of(
      Progress.CANCELLING, "cleaning up: killing", "cleaning up: removing", "cleaning up: releasing");

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void createsThenDestroysLeavingNothing() throws Exception {
    Heard h = new Heard();
    creator.create(quick().name("web").build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.OK, o.rc());
    DomainId id = o.value();
    assertEquals(concat(CREATE, List.of("unpausing")), h.progress);
    assertEquals(java.util.Optional.of("running"), store.read(id.storePath() + "/state"));
    assertEquals(java.util.Optional.of("web"), store.read(id.storePath() + "/name"));
    assertEquals(1, LeftBehind.deviceModelProcesses(creator.deviceModelGroups()).size());

    CompletableFuture<Outcome<Void>> destroyed = new CompletableFuture<>();
    creator.destroy(id, AoHow.callback(destroyed::complete)).close();
    assertEquals(Rc.OK, destroyed.get(20, TimeUnit.SECONDS).rc());
    assertNothingLeft();
  }

  /**
   * With two loops, a domain created on loop 0 and destroyed from loop 1: the destruction waits
   * for the domain's end, which is kept on the domain's loop (it was read and listened to from
   * the other loop, a data race that could lose the listener and hang the destroy).
   */
  @Test
  void destroyOnAnotherLoopThanTheDomainEndsIt() throws Exception {
    try (AoContext two = AoContext.builder().loops(2).name("domain-test-2").build()) {
      DomainCreator creator2 = new DomainCreator(two, store);
      Heard h = new Heard();
      two.loops().get(0).execute(() -> creator2.create(quick().build(), h.how()).close());
      Outcome<DomainId> o = h.await();
      assertEquals(Rc.OK, o.rc());
      CompletableFuture<Outcome<Void>> destroyed = new CompletableFuture<>();
      two.loops().get(1).execute(
          () -> creator2.destroy(o.value(), AoHow.callback(destroyed::complete)).close());
      assertEquals(Rc.OK, destroyed.get(20, TimeUnit.SECONDS).rc());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(
          () -> assertEquals(List.of(), LeftBehind.check(creator2, store)));
    }
  }

  @Test
  void buildFailureDestroysWhatWasMade() throws Exception {
    Heard h = new Heard();
    creator.create(quick().buildFails(true).build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc());
    assertEquals("build failed", o.failure().getMessage());
    assertEquals(List.of("reserving id", "writing entries", "building", Progress.CANCELLING,
        "cleaning up: removing", "cleaning up: releasing"), h.progress);
    assertNothingLeft();
  }

  @Test
  void buildTimeoutFails() throws Exception {
    Heard h = new Heard();
    creator.create(quick().buildTime(Duration.ofSeconds(30)).buildTimeout(Duration.ofMillis(100))
        .build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc());
    assertInstanceOf(TimeoutException.class, o.failure());
    assertNothingLeft();
  }

  @Test
  void deviceModelFailureFails() throws Exception {
    Heard h = new Heard();
    creator.create(quick().deviceModelMode(DeviceModelMode.FAIL).build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc());
    assertTrue(o.failure().getMessage().contains("exit=3"), o.failure()::getMessage);
    assertEquals(concat(CREATE, CLEANUP_WITH_DM), h.progress);
    assertNothingLeft();
  }

  @Test
  void deviceModelThatNeverReportsTimesOutAndIsKilled() throws Exception {
    Heard h = new Heard();
    creator.create(quick().deviceModelMode(DeviceModelMode.HANG)
        .deviceModelTimeout(Duration.ofMillis(300)).build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc());
    assertInstanceOf(TimeoutException.class, o.failure());
    assertEquals(concat(CREATE, CLEANUP_WITH_DM), h.progress);
    assertNothingLeft();
  }

  @Test
  void storeThatFailsIsAFailOutcome() throws Exception {
    store.close(); // the store is gone: writing the entries fails
    Heard h = new Heard();
    creator.create(quick().build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc());
    assertTrue(o.failure().getMessage().contains("writing the entries"), o.failure()::getMessage);
    assertEquals(List.of("reserving id", "writing entries", Progress.CANCELLING,
        "cleaning up: removing", "cleaning up: entries"), h.progress);
    assertEquals(1, creator.reservedIds(), "kept: its entries could not be checked gone");
  }

  @Test
  void entriesLeftUnderAFreeIdAreNotTakenForTheNewDomains() throws Exception {
    // what another run on the same folder left: a domain 1 whose device model reported running
    store.write("/local/domain/1/device-model/state", "running");
    Heard h = new Heard();
    creator.create(quick().deviceModelMode(DeviceModelMode.HANG)
        .deviceModelTimeout(Duration.ofMillis(300)).build(), h.how()).close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc(), "its own device model never reported");
    assertInstanceOf(TimeoutException.class, o.failure());
    assertNothingLeft();
  }

  @Test
  void aDestroyThatCannotRemoveTheEntriesKeepsTheIdUntilADestroyThatCan() throws Exception {
    Heard h = new Heard();
    creator.create(quick().build(), h.how()).close();
    DomainId id = h.await().value();
    // the removal fails for real: an immutable file (root may write anywhere else)
    Path pinned = folder.resolve("local/domain/" + id.value() + "/state/.value");
    Assumptions.assumeTrue(chattr("+i", pinned), "needs chattr on this file system");
    List<String> progress = new CopyOnWriteArrayList<>();
    CompletableFuture<Outcome<Void>> failed = new CompletableFuture<>();
    try {
      creator.destroy(id, AoHow.<Void>callback(failed::complete)
          .onProgress(p -> progress.add(p.detail()))).close();
      assertEquals(Rc.FAIL, failed.get(20, TimeUnit.SECONDS).rc());
      assertEquals(1, creator.reservedIds(), "the id stays reserved: its entries are still there");
      assertTrue(progress.stream().anyMatch(p -> p.contains("keeping id " + id.value())),
          progress::toString);
      Heard next = new Heard(); // gets another id, not the one whose entries are left
      creator.create(quick().build(), next.how()).close();
      DomainId other = next.await().value();
      assertTrue(other.value() != id.value(), "a new domain got id " + other.value());
      CompletableFuture<Outcome<Void>> gone = new CompletableFuture<>();
      creator.destroy(other, AoHow.callback(gone::complete)).close();
      assertEquals(Rc.OK, gone.get(20, TimeUnit.SECONDS).rc());
    } finally {
      chattr("-i", pinned);
    }
    CompletableFuture<Outcome<Void>> again = new CompletableFuture<>();
    creator.destroy(id, AoHow.callback(again::complete)).close(); // idle again: may be retried
    assertEquals(Rc.OK, again.get(20, TimeUnit.SECONDS).rc());
    assertNothingLeft();
  }

  private static boolean chattr(String flag, Path file) throws Exception {
    Process p =
        new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  @Test
  void storeClosedDuringTheBuildFailsTheCreationAndKillsTheDeviceModel() throws Exception {
    Heard h = new Heard();
    creator.create(quick().buildTime(Duration.ofMillis(300)).build(), h.how()).close();
    h.awaitPhase("building");
    store.close(); // the await on the device model's state finds the store gone
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc());
    assertInstanceOf(IllegalStateException.class, o.failure());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(List.of(), LeftBehind.deviceModelProcesses(creator.deviceModelGroups()));
      assertEquals(1, creator.reservedIds(), "kept: its entries could not be removed");
      assertEquals(List.of(), ctx.liveOperations(), "operations still live");
    });
  }

  @Test
  void cancelBeforeItStartsEndsWithNothingMade() throws Exception {
    Heard h = new Heard();
    try (CancelHandle handle = creator.create(quick().build(), h.how())) {
      handle.cancel();
    }
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.CANCEL, o.rc());
    assertNothingLeft();
  }

  @Test
  void cancelDuringEachStepDestroysWhatWasMade() throws Exception {
    for (String step : List.of("writing entries", "building", "waiting for device model")) {
      // a store call in flight cannot be cut short: hold the write so the cancel lands in it
      CountDownLatch go = step.equals("writing entries") ? stallStore() : new CountDownLatch(0);
      Heard h = new Heard();
      CancelHandle handle = creator.create(quick()
          .buildTime(Duration.ofSeconds(step.equals("building") ? 30 : 0))
          .deviceModelDelay(Duration.ofSeconds(30)).build(), h.how());
      h.awaitPhase(step);
      handle.cancel();
      handle.close();
      go.countDown();
      Outcome<DomainId> o = h.await();
      assertEquals(Rc.CANCEL, o.rc(), step);
      assertEquals(Progress.CANCELLING, h.progress.get(h.progress.indexOf(step) + 1), step);
      assertTrue(h.progress.contains("cleaning up: releasing"), step + ": " + h.progress);
      assertNothingLeft();
    }
  }

  @Test
  void keepOnCancelReturnsTheIdAndKeepsTheDomain() throws Exception {
    Heard h = new Heard();
    CancelHandle handle = creator.create(
        quick().deviceModelDelay(Duration.ofSeconds(30)).keepOnCancel(true).build(), h.how());
    h.awaitPhase("waiting for device model");
    handle.cancel();
    handle.close();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.CANCEL, o.rc());
    DomainId kept = o.value();
    assertEquals(List.of(kept), List.copyOf(creator.runningDomains()));
    assertEquals(java.util.Optional.of("creating"), store.read(kept.storePath() + "/state"));
    assertTrue(h.progress.contains("keeping"));
    assertTrue(h.progress.stream().noneMatch(p -> p.startsWith("cleaning up")), h.progress::toString);

    CompletableFuture<Outcome<Void>> destroyed = new CompletableFuture<>();
    creator.destroy(kept, AoHow.callback(destroyed::complete)).close();
    assertEquals(Rc.OK, destroyed.get(20, TimeUnit.SECONDS).rc());
    assertNothingLeft();
  }

  /**
   * Makes the cleanup slow for real by occupying the store's I/O thread with a call that waits
   * (as a store on a stalled disk would); returns the latch that lets it go.
   */
  private CountDownLatch stallStore() {
    CountDownLatch go = new CountDownLatch(1);
    Ao<Void> staller = ctx.begin(AoHow.callback(o -> {}));
    creator.io.run(staller, "a stalled store call", () -> go.await(30, TimeUnit.SECONDS), o -> staller.complete(null));
    return go;
  }

  @Test
  void forcedCancelDuringCleanupAbandonsItAndSaysWhatWasLeft() throws Exception {
    Heard h = new Heard();
    CancelHandle handle = creator.create(
        quick().deviceModelDelay(Duration.ofSeconds(30)).build(), h.how());
    h.awaitPhase("waiting for device model");
    CountDownLatch go = stallStore();
    handle.cancel();
    h.awaitPhase("cleaning up: removing");
    handle.cancelNow();
    handle.close();
    go.countDown();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.CANCEL, o.rc());
    assertEquals(List.of("destroy domain 1"), o.abandoned());
    assertEquals("abandoned", h.progress.get(h.progress.size() - 1));
    // what was abandoned is left, as the outcome said: the entries and the id
    assertEquals(1, creator.reservedIds());
    // the device model was killed before the cleanup was abandoned; its grandchild (the script's
    // sleep) dies with the group and is reaped by init, so allow that a moment
    await().atMost(Duration.ofSeconds(10)).until(
        () -> LeftBehind.deviceModelProcesses(creator.deviceModelGroups()).isEmpty());
  }

  @Test
  void failedCreationBeingDestroyedThenCancelledEndsOnceWithNothingLeft() throws Exception {
    Heard h = new Heard();
    CancelHandle handle = creator.create(
        quick().deviceModelMode(DeviceModelMode.FAIL).build(), h.how());
    h.awaitPhase("waiting for device model");
    CountDownLatch go = stallStore();
    h.awaitPhase("cleaning up: removing");
    assertTrue(handle.cancel(), "the cancel is requested...");
    go.countDown();
    Outcome<DomainId> o = h.await();
    assertEquals(Rc.FAIL, o.rc(), "...but the creation had already failed");
    assertTrue(o.abandoned().isEmpty());
    handle.close();
    assertNothingLeft();
  }

  @Test
  void destroyRefusesADomainStillBeingCreatedOrAlreadyBeingDestroyed() throws Exception {
    Heard h = new Heard();
    CancelHandle handle =
        creator.create(quick().buildTime(Duration.ofSeconds(30)).build(), h.how());
    h.awaitPhase("building");
    DomainId id = new DomainId(1);
    // its creation still uses the id: a destroy now would release it under the creation
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> creator.destroy(id, AoHow.callback(o -> {})));
    assertTrue(e.getMessage().contains("being created"), e.getMessage());
    handle.cancel();
    handle.close();
    assertEquals(Rc.CANCEL, h.await().rc());

    Heard made = new Heard();
    creator.create(quick().build(), made.how()).close();
    DomainId running = made.await().value();
    CompletableFuture<Outcome<Void>> destroyed = new CompletableFuture<>();
    creator.destroy(running, AoHow.callback(destroyed::complete)).close();
    assertThrows(IllegalArgumentException.class,
        () -> creator.destroy(running, AoHow.callback(o -> {})), "a second destroy");
    assertEquals(Rc.OK, destroyed.get(20, TimeUnit.SECONDS).rc());
    assertNothingLeft();
  }

  @Test
  void badArgumentsAreRefusedAtTheCall() {
    assertThrows(NullPointerException.class, () -> creator.create(null, AoHow.callback(o -> {})));
    assertThrows(NullPointerException.class, () -> creator.create(quick().build(), null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> creator.destroy(new DomainId(99), AoHow.callback(o -> {})));
    assertTrue(e.getMessage().contains("99"));
    assertThrows(IllegalArgumentException.class, () -> DomainConfig.builder().name(""));
    e = assertThrows(IllegalArgumentException.class,
        () -> DomainConfig.builder().buildTimeout(Duration.ZERO));
    assertTrue(e.getMessage().startsWith("buildTimeout"), e.getMessage());
  }
}
