package org.asyncop.supervise;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The failure of a supervisor whose services needed more restarts than its intensity limit allows.
 * Its cause is the failure of the service whose end went past the limit (null if that service
 * ended OK under an "always" policy).
 */
public final class RestartIntensityExceededException extends RuntimeException {
  private final ServiceKey<?, ?> key;

  RestartIntensityExceededException(
      ServiceKey<?, ?> key, int maxRestarts, Duration period, @Nullable Throwable cause) {
    super("service " + key + " needed more than " + maxRestarts + " restarts within " + period
        + "; the supervisor gives up", cause);
    this.key = key;
  }

  /** The service whose end went past the limit. */
  public ServiceKey<?, ?> key() {
    return key;
  }
}
