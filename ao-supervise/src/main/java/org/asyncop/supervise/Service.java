package org.asyncop.supervise;

/**
 * A running service as its supervisor sees it: what it does with the messages {@link
 * Supervisor#send} delivers.
 *
 * @param <M> the type of the messages
 * @param <R> the type of the replies
 */
@FunctionalInterface
public interface Service<M, R> {
  /**
   * Handles one message. Called on the service's loop, one message at a time, in the order {@link
   * Supervisor#send} was called (for calls from one thread), and only while the service runs.
   *
   * <p>The service answers through {@code reply}, now or later, from any thread. A message left
   * unanswered when the service ends fails its sender's stage with {@link
   * ServiceNotRunningException}.
   *
   * <p>Throwing is a crash, as in a {@code gen_server}: the reply fails with the exception (if it
   * was not given yet), the service's operation fails with it, and its restart policy decides what
   * comes next.
   */
  void receive(M message, Reply<R> reply) throws Exception;
}
