package org.asyncop.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MemoryStoreTest extends WatchableStoreContract {
  @Override
  WatchableStore newStore() {
    return new MemoryStore();
  }

  @Override
  void assertNoWatchesLeft() {
    assertEquals(0, ((MemoryStore) store).watchCount());
  }
}
