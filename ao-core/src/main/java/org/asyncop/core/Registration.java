package org.asyncop.core;

/**
 * A hook, timer, watch or other registration that can be removed.
 *
 * <p>{@link #close()} is idempotent, safe from any thread, and O(1). Once it returns, the hook it
 * removes will not be started; if the hook is already running on the loop, it finishes.
 */
public interface Registration extends AutoCloseable {
  /**
   * Removes the registration; does nothing if it was already removed, or if its hook has run (a
   * registration made by {@link Ao#attach} is the exception: closing it then is what lets the
   * operation's outcome go).
   */
  @Override
  void close();
}
