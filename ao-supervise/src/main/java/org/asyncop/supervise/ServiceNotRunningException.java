package org.asyncop.supervise;

/**
 * A request reached no running service: none was started under the key, it was stopped, it is
 * waiting for its restart, it ended before it answered, or the supervisor is stopping.
 */
public final class ServiceNotRunningException extends RuntimeException {
  private final ServiceKey<?, ?> key;

  ServiceNotRunningException(ServiceKey<?, ?> key, String why) {
    super("service " + key + " " + why);
    this.key = key;
  }

  /** The key the request named. */
  public ServiceKey<?, ?> key() {
    return key;
  }
}
