package org.asyncop.supervise;

/**
 * The answer to one message, given once by the service that received it.
 *
 * <p>Safe from any thread. The sender's stage completes on the thread that answers (or on the
 * supervisor's loop when the service ended first).
 *
 * @param <R> the type of the reply
 */
public interface Reply<R> {
  /**
   * Answers with {@code value}. Does nothing if the service already ended, as the sender then
   * heard {@link ServiceNotRunningException}.
   *
   * @throws IllegalStateException if this reply was already answered
   */
  void ok(R value);

  /**
   * Answers with a failure: the sender's stage completes exceptionally with {@code cause}. Does
   * nothing if the service already ended.
   *
   * @throws NullPointerException if {@code cause} is null
   * @throws IllegalStateException if this reply was already answered
   */
  void fail(Throwable cause);
}
