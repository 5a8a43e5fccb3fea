package org.asyncop.watch;

import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The watches of a {@link ZooKeeperStore} on one path: an entry of the store's local index, which
 * its one server watch ({@link ZkFanOut}) fans out through. The store's admin thread changes the
 * set; ZooKeeper's event thread reads it (copy-on-write) to fire.
 */
final class PathWatch {
  final String path;
  final CopyOnWriteArraySet<ZkWatch> listeners = new CopyOnWriteArraySet<>();

  PathWatch(String path) {
    this.path = path;
  }

  /** Tells every watch on this path that {@code changed} (this path or one under it) changed. */
  void fire(String changed) {
    for (ZkWatch w : listeners) {
      w.changed(changed);
    }
  }

  @Override
  public String toString() {
    return "PathWatch[" + path + ", listeners=" + listeners.size() + "]";
  }
}
