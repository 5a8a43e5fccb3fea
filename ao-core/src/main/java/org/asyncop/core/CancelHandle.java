package org.asyncop.core;

/**
 * What an initiating call returns to its caller: a way to cancel the operation that can be
 * detached from it.
 *
 * <p>Safe from any thread at any time: before, during and after completion, and after {@link
 * #close()} (then {@link #cancel()} and {@link #cancelNow()} do nothing and return false). The
 * caller must close the handle; in a strict context a handle that is garbage collected unclosed is
 * reported.
 */
public interface CancelHandle extends AutoCloseable {
  /**
   * Requests a cancel of the operation.
   *
   * @return whether this call requested it
   */
  boolean cancel();

  /**
   * Forces a cancel, reaching shielded cleanup too (see {@link Ao#cancelNow()}).
   *
   * @return whether this call requested it
   */
  boolean cancelNow();

  /**
   * Whether the operation has completed (see {@link Ao#isDone()}); true once the handle was
   * closed, since a closed handle no longer follows the operation.
   */
  boolean isDone();

  /** Detaches the handle: it no longer refers to the operation. Idempotent. */
  @Override
  void close();
}
