package org.asyncop.core;

import static java.util.Objects.requireNonNull;

/**
 * A progress report of an operation: a phase and a free-form detail.
 *
 * @param phase what the operation is doing now, such as {@link #CANCELLING}
 * @param detail more about it; may be empty, never null
 */
public record Progress(String phase, String detail) {
  /** Phase reported first after a cancel was requested. */
  public static final String CANCELLING = "cancelling";
  /** Phase reported while the operation destroys what it made. */
  public static final String CLEANING_UP = "cleaning up";

  /**
   * @throws NullPointerException if {@code phase} or {@code detail} is null
   * @throws IllegalArgumentException if {@code phase} is empty
   */
  public Progress {
    requireNonNull(phase, "phase");
    requireNonNull(detail, "detail");
    if (phase.isEmpty()) {
      throw new IllegalArgumentException("phase must not be empty");
    }
  }

  /** A report with an empty detail. */
  public static Progress of(String phase) {
    return new Progress(phase, "");
  }

  /** A report with a detail. */
  public static Progress of(String phase, String detail) {
    return new Progress(phase, detail);
  }

  @Override
  public String toString() {
    return detail.isEmpty() ? phase : phase + ": " + detail;
  }
}
