package org.asyncop.watch;

import java.util.concurrent.CopyOnWriteArraySet;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * The one persistent recursive ZooKeeper watch on a path, shared by every {@link ZkWatch} on it.
 * ZooKeeper's event thread calls {@link #process}; the store's admin thread changes the set.
 */
final class PathWatch implements Watcher {
  final String path;
  final CopyOnWriteArraySet<ZkWatch> listeners = new CopyOnWriteArraySet<>();

  PathWatch(String path) {
    this.path = path;
  }

  @Override
  public void process(WatchedEvent event) {
    String changed = event.getPath();
    if (event.getType() == Event.EventType.None || changed == null) {
      return; // connection states reach the store through Curator's listener instead
    }
    for (ZkWatch w : listeners) {
      w.changed(changed);
    }
  }

  @Override
  public String toString() {
    return "PathWatch[" + path + ", listeners=" + listeners.size() + "]";
  }
}
