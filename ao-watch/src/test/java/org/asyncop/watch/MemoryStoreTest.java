package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MemoryStoreTest extends WatchableStoreContract {
  @Override
  WatchableStore newStore() {
    return new MemoryStore();
  }

  @Override
  void assertNoWatchesLeft() {
    assertEquals(0, ((MemoryStore) store).watchCount());
  }

  /** Calls for one watch never overlap, and nothing follows the failure (WatchableStore#watch). */
  @Test
  void close_whileAWriterIsInAListener_failsTheWatchAfterThatCallReturns() throws Exception {
    CountDownLatch inChange = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    AtomicBoolean changing = new AtomicBoolean();
    List<String> heard = new CopyOnWriteArrayList<>();
    store.watch(
        "/a",
        p -> {
          changing.set(true);
          heard.add("change " + p);
          inChange.countDown();
          try {
            letGo.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          changing.set(false);
        },
        e -> heard.add(changing.get() ? "failure during a change" : "failure"));
    Thread writer = new Thread(() -> store.write("/a", "1"));
    writer.start();
    assertTrue(inChange.await(20, TimeUnit.SECONDS));
    Thread closer = new Thread(store::close);
    closer.start();
    // the closer either fails the watch now, inside the running call, or waits for that call
    await().atMost(ofSeconds(20))
        .until(() -> heard.size() == 2 || closer.getState() == Thread.State.WAITING);
    letGo.countDown();
    writer.join(TimeUnit.SECONDS.toMillis(20));
    closer.join(TimeUnit.SECONDS.toMillis(20));
    assertFalse(writer.isAlive() || closer.isAlive(), "writer or closer stuck");
    assertEquals(List.of("change /a", "failure"), heard);
    assertEquals(0, ((MemoryStore) store).watchCount());
  }
}
