package org.asyncop.examples.modules;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.function.Consumer;

/**
 * What the host gives a module besides its operation.
 *
 * @param name the name it was loaded under
 * @param config its settings, as given to {@link ModuleHost#load}
 * @param events where it reports what it does (the host's event listener)
 */
public record ModuleEnv(String name, Map<String, String> config, Consumer<String> events) {
  /** @throws NullPointerException if an argument is null */
  public ModuleEnv {
    requireNonNull(name, "name");
    config = Map.copyOf(requireNonNull(config, "config"));
    requireNonNull(events, "events");
  }

  /**
   * The setting {@code key}.
   *
   * @throws IllegalArgumentException if it is missing
   */
  public String require(String key) {
    String v = config.get(key);
    if (v == null) {
      throw new IllegalArgumentException("module " + name + " needs the setting " + key);
    }
    return v;
  }

  /** Reports {@code event} to the host, prefixed with the module's name. */
  public void report(String event) {
    events.accept(name + ": " + event);
  }
}
