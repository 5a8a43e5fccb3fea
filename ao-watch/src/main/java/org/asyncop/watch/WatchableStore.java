package org.asyncop.watch;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A hierarchical store of string values, watchable by path, in the model of xenstore.
 *
 * <p>Paths are absolute: {@code /local/domain/7/device-model/state}; {@code /} is the root.
 * Segments are made of {@code A-Z a-z 0-9 _ @ : + = , . -} and do not start with {@code .}. A node
 * may hold a value and children at once. A node exists while it has a value or children, or
 * after it was created as a parent by {@link #write}; {@link #remove} takes a node and its whole
 * subtree away.
 *
 * <p>Threads: every method is safe from any thread. Methods other than {@link
 * StoreWatch#close()} may block (a remote store waits for the network) unless {@link #mayBlock()}
 * says otherwise; {@link Watches} never calls them on a loop thread.
 *
 * <p>Errors: a null argument throws {@link NullPointerException}; a malformed path throws {@link
 * IllegalArgumentException} naming the path; a closed store throws {@link IllegalStateException};
 * a failure of the store itself (I/O, the ensemble unreachable) throws {@link StoreException}.
 */
public interface WatchableStore extends AutoCloseable {

  /**
   * The value at {@code path}; empty if the node does not exist or holds no value.
   */
  Optional<String> read(String path);

  /**
   * Sets the value at {@code path}, creating the node and any missing parents (which then exist
   * without a value).
   */
  void write(String path, String value);

  /** Removes the node at {@code path} and everything under it; nothing happens if it is absent. The root itself stays, emptied. */
  void remove(String path);

  /** The names of the children of {@code path}, sorted; empty if the node does not exist. */
  List<String> children(String path);

  /**
   * Atomically replaces the value at {@code path} if it is {@code expected} (empty meaning "no
   * value"), so two writers cannot lose an update: each reads, computes, and retries when this
   * returns false. An empty {@code next} clears the value and keeps the node and its children;
   * a present {@code next} creates missing parents like {@link #write}.
   *
   * @return whether the value was replaced
   */
  boolean compareAndSet(String path, Optional<String> expected, Optional<String> next);

  /**
   * Watches {@code path} and its whole subtree. {@code onChange} hears the path of every node that
   * changed (its value set or cleared, the node created or removed) at or under {@code path}, at
   * least once per change and in the order the changes were made. Changes may be coalesced, and
   * some events may be spurious, but after the last change of a burst at least one event follows
   * it, so a listener that re-reads sees the current value.
   *
   * <p>{@code onFailure} hears, at most once, that the store can no longer keep the promise above
   * (the store was closed, its watch mechanism broke, a ZooKeeper session was lost); after that the
   * watch is removed and hears nothing more. Each store documents which thread calls the
   * listeners; calls for one watch never overlap. A listener that throws is logged.
   *
   * <p>The path need not exist yet.
   */
  StoreWatch watch(String path, Consumer<String> onChange, Consumer<Throwable> onFailure);

  /**
   * Whether the methods of this store may block. A store that never blocks (the in-memory one)
   * is called directly on a loop thread, saving a hand-off. Default true.
   */
  default boolean mayBlock() {
    return true;
  }

  /** Whether {@link #close()} was called. */
  boolean isClosed();

  /**
   * Closes the store: every watch hears {@code onFailure} with an {@link IllegalStateException}
   * and is removed, and threads and connections the store owns are released before this returns.
   * Idempotent. Later calls throw {@link IllegalStateException}.
   */
  @Override
  void close();
}
