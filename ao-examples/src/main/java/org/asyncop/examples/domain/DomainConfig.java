package org.asyncop.examples.domain;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;
import org.asyncop.core.Checks;

/**
 * What to create, and how the stand-in parts behave, so that every path of the workflow can be
 * seen for real: a build that takes time, a device model that reports late, fails or hangs.
 * Immutable; made with {@link #builder()}.
 */
public final class DomainConfig {
  /** What the device model does once its delay has passed. */
  public enum DeviceModelMode {
    /** Reports {@code running} and keeps running. */
    RUN,
    /** Exits with status 3 without reporting. */
    FAIL,
    /** Never reports. */
    HANG
  }

  final String name;
  final Duration buildTime;
  final Duration buildTimeout;
  final boolean buildFails;
  final Duration dmDelay;
  final DeviceModelMode dmMode;
  final Duration dmTimeout;
  final Duration cleanupTimeout;
  final boolean keepOnCancel;

  private DomainConfig(Builder b) {
    this.name = b.name;
    this.buildTime = b.buildTime;
    this.buildTimeout = b.buildTimeout;
    this.buildFails = b.buildFails;
    this.dmDelay = b.dmDelay;
    this.dmMode = b.dmMode;
    this.dmTimeout = b.dmTimeout;
    this.cleanupTimeout = b.cleanupTimeout;
    this.keepOnCancel = b.keepOnCancel;
  }

  /** A builder with the defaults of the command line. */
  public static Builder builder() {
    return new Builder();
  }

  /** The domain's name, written to its {@code name} entry. */
  public String name() {
    return name;
  }

  /** Whether a cancelled creation keeps the domain and hands its id to the caller. */
  public boolean keepOnCancel() {
    return keepOnCancel;
  }

  @Override
  public String toString() {
    return "domain '" + name + "': build " + ms(buildTime) + (buildFails ? " (fails)" : "")
        + " within " + ms(buildTimeout) + ", device model " + dmMode.name().toLowerCase(Locale.ROOT)
        + " after " + ms(dmDelay) + " within " + ms(dmTimeout) + ", cleanup within "
        + ms(cleanupTimeout) + (keepOnCancel ? ", kept on cancel" : "");
  }

  /** A duration as the command line prints it. */
  static String ms(Duration d) {
    return d.toMillis() + " ms";
  }

  /** Builds a {@link DomainConfig}; every setter checks its argument and names it. */
  public static final class Builder {
    private String name = "guest";
    private Duration buildTime = Duration.ofMillis(300);
    private Duration buildTimeout = Duration.ofSeconds(5);
    private boolean buildFails;
    private Duration dmDelay = Duration.ofMillis(500);
    private DeviceModelMode dmMode = DeviceModelMode.RUN;
    private Duration dmTimeout = Duration.ofSeconds(2);
    private Duration cleanupTimeout = Duration.ofSeconds(10);
    private boolean keepOnCancel;

    private Builder() {}

    /** @throws IllegalArgumentException if {@code name} is empty or has a newline */
    public Builder name(String name) {
      requireNonNull(name, "name");
      if (name.isEmpty() || name.contains("\n")) {
        throw new IllegalArgumentException("name must be one non-empty line, was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** How long the simulated build takes (default 300 ms). */
    public Builder buildTime(Duration buildTime) {
      this.buildTime = Checks.nonNegative(buildTime, "buildTime");
      return this;
    }

    /** The build step's own timeout (default 5 s). */
    public Builder buildTimeout(Duration buildTimeout) {
      this.buildTimeout = Checks.positive(buildTimeout, "buildTimeout");
      return this;
    }

    /** Makes the simulated build fail when its time has passed. */
    public Builder buildFails(boolean buildFails) {
      this.buildFails = buildFails;
      return this;
    }

    /** How long the device model takes to report {@code running} (default 500 ms). */
    public Builder deviceModelDelay(Duration dmDelay) {
      this.dmDelay = Checks.nonNegative(dmDelay, "dmDelay");
      return this;
    }

    /** What the device model does (default {@link DeviceModelMode#RUN}). */
    public Builder deviceModelMode(DeviceModelMode dmMode) {
      this.dmMode = requireNonNull(dmMode, "dmMode");
      return this;
    }

    /** How long to wait for the device model to report (default 2 s). */
    public Builder deviceModelTimeout(Duration dmTimeout) {
      this.dmTimeout = Checks.positive(dmTimeout, "dmTimeout");
      return this;
    }

    /** The deadline of the cleanup after a failure or a cancel (default 10 s). */
    public Builder cleanupTimeout(Duration cleanupTimeout) {
      this.cleanupTimeout = Checks.positive(cleanupTimeout, "cleanupTimeout");
      return this;
    }

    /** A cancelled creation keeps the domain and returns its id instead of destroying it. */
    public Builder keepOnCancel(boolean keepOnCancel) {
      this.keepOnCancel = keepOnCancel;
      return this;
    }

    public DomainConfig build() {
      return new DomainConfig(this);
    }
  }
}
