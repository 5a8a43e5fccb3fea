package org.asyncop.watch;

import java.util.function.Consumer;

/**
 * A watch held in a {@link WatchTable}, for the stores whose watches live in this process. The
 * store's dispatching thread calls its listeners directly, one call at a time.
 */
final class LocalWatch extends StoreWatchBase {
  /*
   * Leaving the store is immediate: whichever of close() and failed() moves the state to CLOSED
   * takes the watch out of its table at once, so `removed` completes on that thread.
   */
  private final WatchTable table;

  LocalWatch(
      WatchTable table, String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    super(path, onChange, onFailure);
    this.table = table;
  }

  /** Called by the store's dispatching thread, one call at a time. */
  void changed(String changedPath) {
    tellChange(changedPath);
  }

  /** The store can no longer watch: tell the listener once and remove the watch. */
  void failed(Throwable cause) {
    if (casClosed()) {
      table.remove(this);
      tellFailure(cause);
    }
  }

  @Override
  public void close() {
    if (casClosed()) {
      table.remove(this);
      removedDone();
    }
  }
}
