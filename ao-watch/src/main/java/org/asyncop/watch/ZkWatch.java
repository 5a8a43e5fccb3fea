package org.asyncop.watch;

import java.util.function.Consumer;

/**
 * One watch on a {@link ZooKeeperStore}. ZooKeeper's event thread hands it changes, and the store's
 * admin thread the re-read after a reconnect and the failure; its listener calls go through {@link
 * SerialCalls}, so that they never overlap and keep that order, and neither thread ever waits for
 * a call running on the other (a listener may close the store or make a watch, which wait for the
 * admin thread).
 */
final class ZkWatch extends StoreWatchBase {
  /*
   * close() hands the removal to the store's admin thread, which completes `removed` once the
   * server watch is gone (or was shared and stays for others); failed() completes it once
   * onFailure has run (the store already dropped the watch). A change call reads the state when it
   * starts, not when it is queued, so that none starts after close().
   */
  private final ZooKeeperStore store;
  private final SerialCalls calls = new SerialCalls();

  ZkWatch(
      ZooKeeperStore store, String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    super(path, onChange, onFailure);
    this.store = store;
  }

  /**
   * Event or admin thread: {@code changedPath} changed; the listener hears it unless closed first.
   */
  void changed(String changedPath) {
    calls.run(() -> tellChange(changedPath));
  }

  /**
   * Admin thread: the store dropped this watch; onFailure hears {@code cause}, here or, if a call
   * of this watch is running, on its thread once it returns. Nothing if the watch was closed first.
   */
  void failed(Throwable cause) {
    if (casClosed()) {
      calls.run(() -> tellFailure(cause));
    }
  }

  /** Whether a listener call of this watch is running on {@code t} now. */
  boolean callingOn(Thread t) {
    return calls.runningOn(t);
  }

  @Override
  public void close() {
    if (casClosed()) {
      store.detachLater(this);
    }
  }
}
