package org.asyncop.watch;

import java.util.Map;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * The one persistent recursive ZooKeeper watch of a {@link ZooKeeperStore}, on its namespace
 * znode: the server sends every change under the namespace once, and this hands it to the watches
 * on the changed path and on each of its ancestors, found in the store's local index. So the
 * server holds one watch per store however many paths are watched, and adding or closing a watch
 * on a path costs no round trip to the server (only the first and the last of the store do).
 *
 * <p>ZooKeeper's event thread calls {@link #process}, one event at a time in the order the server
 * sent them; it hands an event to the watches from the changed path upwards (each runs its
 * listener call in its own order, see {@link SerialCalls}).
 */
final class ZkFanOut implements Watcher {
  /** The namespace znode, e.g. {@code /asyncop}, stripped from the server's paths. */
  private final String rootPath;
  /** Store path -> the watches on it; written by the store's admin thread. */
  private final Map<String, PathWatch> byPath;

  ZkFanOut(String rootPath, Map<String, PathWatch> byPath) {
    this.rootPath = rootPath;
    this.byPath = byPath;
  }

  @Override
  public void process(WatchedEvent event) {
    String changed = storePath(event.getPath());
    if (event.getType() == Event.EventType.None || changed == null) {
      return; // connection states reach the store through Curator's listener instead
    }
    for (@Nullable String p = changed; p != null; p = StorePath.parent(p)) {
      PathWatch pw = byPath.get(p);
      if (pw != null) {
        pw.fire(changed);
      }
    }
  }

  /** The store path of a server path; null if it lies outside the namespace. */
  private @Nullable String storePath(@Nullable String serverPath) {
    if (serverPath == null || !serverPath.startsWith(rootPath)) {
      return null;
    }
    if (serverPath.length() == rootPath.length()) {
      return StorePath.ROOT;
    }
    return serverPath.charAt(rootPath.length()) == '/' ? serverPath.substring(rootPath.length()) : null;
  }

  @Override
  public String toString() {
    return "ZkFanOut[" + rootPath + ", paths=" + byPath.size() + "]";
  }
}
