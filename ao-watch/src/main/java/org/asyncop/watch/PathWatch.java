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
  /** The namespace znode, stripped from the server's paths. */
  private final String rootPath;

  PathWatch(String path, String rootPath) {
    this.path = path;
    this.rootPath = rootPath;
  }

  @Override
  public void process(WatchedEvent event) {
    String serverPath = event.getPath();
    if (event.getType() == Event.EventType.None || serverPath == null || !serverPath.startsWith(rootPath)) {
      return; // connection states reach the store through Curator's listener instead
    }
    String changed = serverPath.length() == rootPath.length() ? StorePath.ROOT : serverPath.substring(rootPath.length());
    for (ZkWatch w : listeners) {
      w.changed(changed);
    }
  }

  @Override
  public String toString() {
    return "PathWatch[" + path + ", listeners=" + listeners.size() + "]";
  }
}
