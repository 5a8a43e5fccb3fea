package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryStoreTest extends WatchableStoreContract {
  @TempDir Path dir;

  @Override
  WatchableStore newStore() {
    return DirectoryStore.open(dir.resolve("store"));
  }

  @Override
  void assertNoWatchesLeft() {
    assertEquals(0, ((DirectoryStore) store).watchCount());
  }

  private DirectoryStore dstore() {
    return (DirectoryStore) store;
  }

  @Test
  void childProcess_writesAPathWithTheDocumentedCommand_andAWatcherHearsIt() throws Exception {
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    String path = "/local/domain/7/device-model/state";
    try (StoreWatch w = store.watch("/local/domain/7", p -> seen.add(store.read(path)), e -> {})) {
      Process p =
          new ProcessBuilder("sh", "-c", dstore().shellWriteCommand(path), "sh", "running")
              .redirectErrorStream(true)
              .start();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child finished");
      assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
      await().atMost(ofSeconds(10)).until(() -> seen.contains(Optional.of("running")));
      assertEquals(Optional.of("running"), store.read(path));
      // never a half-written value: everything a reader saw is absent or the whole value
      assertTrue(seen.stream().allMatch(v -> v.isEmpty() || v.get().equals("running")), seen.toString());
    }
  }

  @Test
  void closingTheLastStoreOfAFolderDropsItsInJvmLock() {
    int before = DirectoryStore.lockedFolders();
    for (int i = 0; i < 200; i++) { // a process that opens stores on many folders in turn
      DirectoryStore.open(dir.resolve("many-" + i)).close();
    }
    assertEquals(before, DirectoryStore.lockedFolders(), "no lock kept for a closed folder");

    Path shared = dir.resolve("shared");
    DirectoryStore a = DirectoryStore.open(shared);
    DirectoryStore b = DirectoryStore.open(shared);
    assertEquals(before + 1, DirectoryStore.lockedFolders(), "one lock for the folder's stores");
    a.close();
    b.write("/x", "1"); // still under the folder's lock: b is open
    assertTrue(b.compareAndSet("/x", Optional.of("1"), Optional.of("2")));
    DirectoryStore c = DirectoryStore.open(shared);
    assertTrue(c.compareAndSet("/x", Optional.of("2"), Optional.of("3")),
        "c sees b's writes, under one lock");
    b.close();
    c.close();
    assertEquals(before, DirectoryStore.lockedFolders());
    try (DirectoryStore d = DirectoryStore.open(shared)) { // a new lock for a reopened folder
      assertEquals(Optional.of("3"), d.read("/x"));
      assertTrue(d.compareAndSet("/x", Optional.of("3"), Optional.of("4")));
    }
  }

  @Test
  void close_stopsTheWatchThread() {
    String name = "asyncop-dirstore-store";
    assertTrue(threadAlive(name));
    store.close();
    assertFalse(threadAlive(name), "close() joins the watch thread");
  }

  /**
   * Listeners run on the store's watch thread, and every store method is safe from any thread: a
   * listener that closes the store must not wait for its own thread to end.
   */
  @Test
  void close_fromAListener_returnsAndFailsTheWatches() {
    CountDownLatch closed = new CountDownLatch(1);
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    store.watch("/a", p -> {
      store.close();
      closed.countDown();
    }, failures::add);
    store.write("/a", "x");
    await().atMost(ofSeconds(10)).until(() -> closed.getCount() == 0);
    assertEquals(1, failures.size(), failures.toString());
    assertTrue(store.isClosed());
    await().atMost(ofSeconds(10)).until(() -> !threadAlive("asyncop-dirstore-store"));
  }

  static boolean threadAlive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().startsWith(prefix));
  }

  @Test
  void open_nullFolder_throwsNpe() {
    assertNpe("folder", () -> DirectoryStore.open(null));
  }

  @Test
  void overflow_lostEventsAreReportedByARescan() throws Exception {
    // Block the watch thread inside a listener, flood one directory past the JDK's per-key event
    // limit (512), change the watched value meanwhile: its own event is dropped with the flood.
    store.write("/block", "0");
    store.write("/ov/target", "before");
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    try (StoreWatch blocker =
            store.watch(
                "/block",
                p -> {
                  inListener.countDown();
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                e -> {});
        StoreWatch w = store.watch("/ov/target", p -> seen.add(store.read("/ov/target")), e -> {})) {
      store.write("/block", "1");
      assertTrue(inListener.await(10, TimeUnit.SECONDS));
      Path target = dstore().folder().resolve("ov").resolve("target");
      for (int i = 0; i < 600; i++) {
        Files.writeString(target.resolve(".flood" + i), "x");
      }
      store.write("/ov/target", "after");
      release.countDown();
      await().atMost(ofSeconds(10)).until(() -> seen.contains(Optional.of("after")));
    }
  }
}
