package org.asyncop.examples.domain;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the command line's durations: {@code 300ms}, {@code 2s}, {@code 1.5s}, {@code 1m}. */
final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");

  private Durations() {}

  /** @throws IllegalArgumentException naming {@code option} when {@code text} is not a duration */
  static Duration parse(String option, String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          option + " takes a duration such as 300ms, 2s or 1.5s, not '" + text + "'");
    }
    BigDecimal n = new BigDecimal(m.group(1));
    BigDecimal millis = switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n.movePointRight(3);
      case "m" -> n.multiply(BigDecimal.valueOf(60_000));
      default -> throw new IllegalStateException("Invalid unit: " + m.group(2));
    };
    return Duration.ofNanos(millis.movePointRight(6).longValueExact());
  }
}
