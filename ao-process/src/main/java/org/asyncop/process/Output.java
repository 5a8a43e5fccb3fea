package org.asyncop.process;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.asyncop.core.Checks;
import org.jspecify.annotations.Nullable;

/** Where a child's standard output or standard error goes. Immutable. */
public final class Output {
  enum Kind { DISCARD, INHERIT, FILE, APPEND, CAPTURE }

  private static final Output DISCARD = new Output(Kind.DISCARD, null, 0);
  private static final Output INHERIT = new Output(Kind.INHERIT, null, 0);

  final Kind kind;
  final @Nullable Path file;
  final int limit;

  private Output(Kind kind, @Nullable Path file, int limit) {
    this.kind = kind;
    this.file = file;
    this.limit = limit;
  }

  /** To /dev/null. The default. */
  public static Output discard() {
    return DISCARD;
  }

  /** To the same descriptor as this JVM's (1 or 2). */
  public static Output inherit() {
    return INHERIT;
  }

  /**
   * To {@code file}, created or truncated when the child is spawned; a file that cannot be opened
   * fails the spawn (a FAIL {@link ChildExit}).
   *
   * @throws NullPointerException if {@code file} is null
   */
  public static Output file(Path file) {
    return new Output(Kind.FILE, requireNonNull(file, "file"), 0);
  }

  /**
   * Appended to {@code file}, created if missing.
   *
   * @throws NullPointerException if {@code file} is null
   */
  public static Output append(Path file) {
    return new Output(Kind.APPEND, requireNonNull(file, "file"), 0);
  }

  /**
   * Into memory, through a pipe, keeping the first {@code maxBytes} bytes; what comes after is
   * read and dropped (so the child never blocks on a full pipe), and {@link
   * ChildExit#stdoutTruncated()} (or its stderr twin) says so.
   *
   * @throws IllegalArgumentException if {@code maxBytes} is less than 1
   */
  public static Output capture(int maxBytes) {
    return new Output(Kind.CAPTURE, null, Checks.positive(maxBytes, "maxBytes"));
  }

  @Override
  public String toString() {
    return switch (kind) {
      case DISCARD -> "Output[discard]";
      case INHERIT -> "Output[inherit]";
      case FILE -> "Output[file " + file + "]";
      case APPEND -> "Output[append " + file + "]";
      case CAPTURE -> "Output[capture " + limit + " bytes]";
    };
  }
}
