package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The embedded store: a tree in this process's memory. Never blocks (beyond a short lock), so
 * {@link Watches} calls it straight from the loop.
 *
 * <p>Listeners run on a thread that is changing the store (a writer), never while the store's
 * lock is held, one at a time and in the order of the changes: each change queues its paths under
 * the lock, and the first writer that finds nobody delivering delivers the queue until it is
 * empty. A listener may itself write to the store; its event is delivered after the current one.
 * {@link #close()} fails the watches after the changes made before it were delivered, and so,
 * called on another thread while a writer is delivering, waits until that writer's listener calls
 * have returned.
 */
public final class MemoryStore implements WatchableStore {
  /*
   * One lock guards the tree, the queue of changed paths and `deliverer`. Delivery runs
   * outside the lock: a writer that set `deliverer` drains the queue, taking the lock only to
   * poll, so the order of deliveries is the order in which changes were made, and no thread is
   * needed. close() fails the watches as the deliverer (after the queue of changes made before it),
   * so a failure never overlaps a listener call nor comes before a change: it waits for another
   * thread's delivery to end (a listener closing the store is the deliverer itself).
   */
  private static final class Node {
    @Nullable String value;
    @Nullable TreeMap<String, Node> children;
  }

  private final Object lock = new Object();
  private final Node root = new Node();
  private final ArrayDeque<String> changes = new ArrayDeque<>();
  private final WatchTable watches = new WatchTable();
  private @Nullable Thread deliverer; // guarded by lock; null when nobody is delivering
  private final ClosedFlag closed = new ClosedFlag();

  /** An empty store. */
  public MemoryStore() {}

  @Override
  public Optional<String> read(String path) {
    StorePath.check(path, "path");
    synchronized (lock) {
      checkOpen();
      Node n = find(path);
      return n == null ? Optional.empty() : Optional.ofNullable(n.value);
    }
  }

  @Override
  public void write(String path, String value) {
    StorePath.check(path, "path");
    requireNonNull(value, "value");
    synchronized (lock) {
      checkOpen();
      set(path, value);
    }
    deliver();
  }

  @Override
  public void remove(String path) {
    StorePath.check(path, "path");
    synchronized (lock) {
      checkOpen();
      if (path.length() == 1) {
        removeAllUnder(root, path);
        if (root.value != null) {
          root.value = null;
          changes.add(path);
        }
      } else {
        Node parent = find(requireNonNull(StorePath.parent(path)));
        List<String> segs = StorePath.segments(path);
        String name = segs.get(segs.size() - 1);
        Node n = parent == null || parent.children == null ? null : parent.children.remove(name);
        if (n != null) {
          removeAllUnder(n, path);
          changes.add(path);
        }
      }
    }
    deliver();
  }

  @Override
  public List<String> children(String path) {
    StorePath.check(path, "path");
    synchronized (lock) {
      checkOpen();
      Node n = find(path);
      return n == null || n.children == null ? List.of() : List.copyOf(n.children.keySet());
    }
  }

  @Override
  public boolean compareAndSet(String path, Optional<String> expected, Optional<String> next) {
    StoreArgs.compareAndSet(path, expected, next);
    synchronized (lock) {
      checkOpen();
      Node n = find(path);
      String current = n == null ? null : n.value;
      if (!expected.equals(Optional.ofNullable(current))) {
        return false;
      }
      if (next.isPresent()) {
        set(path, next.get());
      } else if (n != null && n.value != null) {
        n.value = null;
        changes.add(path);
      }
    }
    deliver();
    return true;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: listeners run on a writing thread, as the class comment says; {@code onFailure} runs
   * on the thread that closes the store.
   */
  @Override
  public StoreWatch watch(String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    StoreArgs.watch(path, onChange, onFailure);
    checkOpen();
    LocalWatch w = watches.add(path, onChange, onFailure);
    if (closed.isSet()) { // raced close(): it may have missed this one
      w.failed(new IllegalStateException("store closed"));
    }
    return w;
  }

  /** Never blocks. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  @Override
  public boolean isClosed() {
    return closed.isSet();
  }

  @Override
  public void close() {
    boolean deliverHere;
    synchronized (lock) { // a mutation that passed checkOpen() under the lock finishes first
      if (!closed.set()) {
        return;
      }
      Thread me = Thread.currentThread();
      boolean interrupted = false;
      while (deliverer != null && deliverer != me) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        me.interrupt();
      }
      deliverHere = deliverer == null;
      if (deliverHere) {
        deliverer = me; // no change can be queued any more: closed is set under the lock
      }
    }
    try {
      if (deliverHere) {
        for (String p; (p = pollChange()) != null; ) {
          watches.fire(p); // made before the close: heard before the failure
        }
      }
      watches.failAll(new IllegalStateException("store closed"));
    } finally {
      if (deliverHere) {
        stepDown();
      }
    }
  }

  /** How many watches are registered (for leak checks). */
  public int watchCount() {
    return watches.size();
  }

  // ---------------------------------------------------------------- under the lock

  private void checkOpen() {
    if (closed.isSet()) {
      throw new IllegalStateException("store closed");
    }
  }

  private @Nullable Node find(String path) {
    Node n = root;
    for (String s : StorePath.segments(path)) {
      if (n.children == null) {
        return null;
      }
      n = n.children.get(s);
      if (n == null) {
        return null;
      }
    }
    return n;
  }

  private void set(String path, String value) {
    Node n = root;
    String at = StorePath.ROOT;
    List<String> segs = StorePath.segments(path);
    for (int i = 0; i < segs.size(); i++) {
      String s = segs.get(i);
      at = StorePath.child(at, s);
      if (n.children == null) {
        n.children = new TreeMap<>();
      }
      Node c = n.children.get(s);
      if (c == null) {
        c = new Node();
        n.children.put(s, c);
        if (i < segs.size() - 1) {
          changes.add(at); // a new parent; the node itself is reported below
        }
      }
      n = c;
    }
    n.value = value;
    changes.add(path); // a write of the same value is still a change its watchers hear
  }

  /** Queues a change for every node under {@code n} (deepest first) and drops them. */
  private void removeAllUnder(Node n, String path) {
    if (n.children == null) {
      return;
    }
    for (var e : n.children.entrySet()) {
      String p = StorePath.child(path, e.getKey());
      removeAllUnder(e.getValue(), p);
      changes.add(p);
    }
    n.children = null;
  }

  // ---------------------------------------------------------------- delivery

  /** Delivers queued changes unless another thread already is. Called without the lock. */
  private void deliver() {
    synchronized (lock) {
      if (deliverer != null) {
        return;
      }
      deliverer = Thread.currentThread();
    }
    for (; ; ) {
      String p;
      synchronized (lock) {
        p = changes.poll();
        if (p == null) {
          deliverer = null;
          lock.notifyAll(); // a close() waiting for this delivery
          return;
        }
      }
      try {
        watches.fire(p);
      } catch (Error e) { // listeners' exceptions are caught inside; only a fatal error gets here
        stepDown();
        throw e;
      }
    }
  }

  private @Nullable String pollChange() {
    synchronized (lock) {
      return changes.poll();
    }
  }

  private void stepDown() {
    synchronized (lock) {
      deliverer = null;
      lock.notifyAll();
    }
  }

  @Override
  public String toString() {
    return "MemoryStore[watches=" + watches.size() + (closed.isSet() ? ", closed" : "") + "]";
  }
}
