package org.asyncop.supervise;

import static java.util.Objects.requireNonNull;

/**
 * The name of a supervised service: a class (a kind of service, such as {@code "caching"} or
 * {@code "connection"}) and a name within it (such as {@code "timer"}), as N2O keys its processes.
 *
 * <p>The type parameters are the messages the service receives and the replies it gives; they
 * make {@link Supervisor#send} typed and take no part in equality: two keys are equal when their
 * class and name are.
 *
 * @param serviceClass the kind of service; not empty
 * @param name the service's name within its class; not empty
 * @param <M> the type of the messages the service receives
 * @param <R> the type of its replies
 */
public record ServiceKey<M, R>(String serviceClass, String name) {
  /**
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is empty
   */
  public ServiceKey {
    requireNonNull(serviceClass, "serviceClass");
    requireNonNull(name, "name");
    if (serviceClass.isEmpty()) {
      throw new IllegalArgumentException("serviceClass must not be empty");
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name must not be empty");
    }
  }

  /**
   * The key of class {@code serviceClass} and name {@code name}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is empty
   */
  public static <M, R> ServiceKey<M, R> of(String serviceClass, String name) {
    return new ServiceKey<>(serviceClass, name);
  }

  /** {@code class/name}. */
  @Override
  public String toString() {
    return serviceClass + "/" + name;
  }
}
