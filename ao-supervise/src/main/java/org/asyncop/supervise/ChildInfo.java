package org.asyncop.supervise;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one supervised service, from {@link Supervisor#lookup} or {@link
 * Supervisor#children()}.
 *
 * @param key the service's key
 * @param state what it is doing
 * @param uptime how long its current incarnation has run; zero while it waits for a restart
 * @param restarts how many times it was started again (by its policy or by {@link
 *     Supervisor#restart})
 * @param lastFailure the failure of its previous incarnation, if that one failed; null otherwise
 */
public record ChildInfo(
    ServiceKey<?, ?> key, ChildInfo.State state, Duration uptime, int restarts,
    @Nullable Throwable lastFailure) {

  /** What a supervised service is doing. */
  public enum State {
    /** Its incarnation runs and receives messages. */
    RUNNING,
    /** It was asked to stop or restart, or it ended and its outcome is on its way. */
    STOPPING,
    /** It ended and waits for its backoff to pass before it starts again. */
    RESTARTING
  }
}
