package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Argument checks whose messages name the argument, for the core and the modules built on it.
 */
public final class Checks {
  private Checks() {}

  /**
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is less than 1
   */
  public static int positive(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + value);
    }
    return value;
  }

  /**
   * @return {@code d}
   * @throws NullPointerException if {@code d} is null
   * @throws IllegalArgumentException if {@code d} is negative
   */
  public static Duration nonNegative(Duration d, String name) {
    requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, was " + d);
    }
    return d;
  }

  /**
   * @return {@code d}
   * @throws NullPointerException if {@code d} is null
   * @throws IllegalArgumentException if {@code d} is zero or negative
   */
  public static Duration positive(Duration d, String name) {
    requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
    return d;
  }

  /**
   * @return {@code s}
   * @throws NullPointerException if {@code s} is null
   * @throws IllegalArgumentException if {@code s} is empty
   */
  public static String notEmpty(String s, String name) {
    requireNonNull(s, name);
    if (s.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return s;
  }
}
