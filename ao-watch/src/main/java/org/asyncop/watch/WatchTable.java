package org.asyncop.watch;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The watches of an in-process store, indexed by watched path.
 *
 * <p>A change at path P reaches the watches on P and on each ancestor of P: a lookup per level,
 * so firing costs the depth of P, not the number of watches. Adding and removing are O(1)
 * (a concurrent map of concurrent sets; an emptied set is dropped atomically with its last
 * member, so the table never holds empty entries).
 */
final class WatchTable {
  private final ConcurrentHashMap<String, Set<LocalWatch>> byPath = new ConcurrentHashMap<>();

  LocalWatch add(String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    LocalWatch w = new LocalWatch(this, path, onChange, onFailure);
    byPath.compute(
        path,
        (k, set) -> {
          Set<LocalWatch> s = set != null ? set : ConcurrentHashMap.newKeySet();
          s.add(w);
          return s;
        });
    return w;
  }

  void remove(LocalWatch w) {
    byPath.computeIfPresent(
        w.path,
        (k, set) -> {
          set.remove(w);
          return set.isEmpty() ? null : set;
        });
  }

  /** Tells every watch on {@code changed} or an ancestor of it. Call from one thread at a time. */
  void fire(String changed) {
    for (@Nullable String p = changed; p != null; p = StorePath.parent(p)) {
      Set<LocalWatch> set = byPath.get(p);
      if (set != null) {
        for (LocalWatch w : set) {
          w.changed(changed);
        }
      }
    }
  }

  /**
   * Tells every watch strictly under {@code removed} that its own path changed: a whole subtree
   * went away, and the store may not have seen each node in it go.
   */
  void fireBelow(String removed) {
    for (var e : byPath.entrySet()) {
      String p = e.getKey();
      if (!p.equals(removed) && StorePath.within(p, removed)) {
        for (LocalWatch w : e.getValue()) {
          w.changed(p);
        }
      }
    }
  }

  /** Tells every watch that its own path changed: after events were lost (an overflow). */
  void fireAll() {
    for (Set<LocalWatch> set : byPath.values()) {
      for (LocalWatch w : set) {
        w.changed(w.path);
      }
    }
  }

  /** Fails every watch (the store closed or broke). */
  void failAll(Throwable cause) {
    List<LocalWatch> all = new ArrayList<>();
    byPath.values().forEach(all::addAll);
    for (LocalWatch w : all) {
      w.failed(cause);
    }
  }

  /** How many watches are registered. */
  int size() {
    int n = 0;
    for (Set<LocalWatch> set : byPath.values()) {
      n += set.size();
    }
    return n;
  }
}
