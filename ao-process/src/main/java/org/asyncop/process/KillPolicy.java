package org.asyncop.process;

import java.time.Duration;
import java.util.Optional;
import org.asyncop.core.Checks;
import org.jspecify.annotations.Nullable;

/**
 * How a cancel stops a child: SIGKILL to its process group at once (the default), or SIGTERM to
 * the group first and SIGKILL after a grace period if the child is still not reaped by then.
 * Immutable.
 */
public final class KillPolicy {
  private static final KillPolicy KILL = new KillPolicy(null);

  private final @Nullable Duration grace;

  private KillPolicy(@Nullable Duration grace) {
    this.grace = grace;
  }

  /** SIGKILL to the group as soon as the cancel hook runs. */
  public static KillPolicy kill() {
    return KILL;
  }

  /**
   * SIGTERM to the group when the cancel hook runs; SIGKILL to the group if the child is still not
   * reaped {@code grace} later. The child's exit (by any means) ends the grace period, so nothing
   * is left pending.
   *
   * @throws NullPointerException if {@code grace} is null
   * @throws IllegalArgumentException if {@code grace} is zero or negative
   */
  public static KillPolicy termThenKill(Duration grace) {
    return new KillPolicy(Checks.positive(grace, "grace"));
  }

  /** The grace period between SIGTERM and SIGKILL; empty for {@link #kill()}. */
  public Optional<Duration> grace() {
    return Optional.ofNullable(grace);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KillPolicy k && java.util.Objects.equals(grace, k.grace);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(grace);
  }

  @Override
  public String toString() {
    return grace == null ? "KillPolicy[SIGKILL]" : "KillPolicy[SIGTERM, SIGKILL after " + grace + "]";
  }
}
