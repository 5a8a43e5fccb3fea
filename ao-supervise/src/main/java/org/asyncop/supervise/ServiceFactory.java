package org.asyncop.supervise;

import org.asyncop.core.Ao;

/**
 * Starts one incarnation of a service: called once by {@link Supervisor#start}, and again for
 * every restart.
 *
 * @param <M> the type of the messages the service receives
 * @param <R> the type of its replies
 */
@FunctionalInterface
public interface ServiceFactory<M, R> {
  /**
   * Sets up the service on {@code ao}, the operation that is this incarnation's lifetime, and
   * returns how it handles messages. Called on the supervisor's loop; must not block.
   *
   * <p>The service registers what it waits on (timers, watches, channels) on {@code ao}, pushes a
   * cancel hook that makes it wind down when stopped, and ends by completing {@code ao}: OK when
   * its work is done, FAIL with the cause when it broke, CANCEL after a cancel. Its outcome is
   * what {@link Supervisor#stop(ServiceKey)} reports and what the restart policy looks at.
   *
   * <p>Throwing fails this incarnation with the exception: on a first {@link Supervisor#start}
   * the start fails and the service is not kept; on a restart, it counts as a failure.
   */
  Service<M, R> start(Ao<Void> ao) throws Exception;
}
