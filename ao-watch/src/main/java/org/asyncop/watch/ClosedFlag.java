package org.asyncop.watch;

/**
 * A store's closed flag: set once, by the first {@code close()}, and read without a lock by every
 * call that must refuse a closed store. {@link #set()} tells exactly one caller that it closed
 * the store, so that the closing work runs once however many threads call {@code close()}.
 */
final class ClosedFlag {
  private volatile boolean closed; // false -> true, once; guarded by this for the change only

  /** Whether the store is closed. Any thread; never blocks. */
  boolean isSet() {
    return closed;
  }

  /** Sets the flag; true for the one call that set it, false for every later call. */
  synchronized boolean set() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }
}
