package org.asyncop.process;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** What a child reads on its standard input. Immutable. */
public final class Stdin {
  enum Kind { NONE, BYTES, FILE }

  private static final Stdin NONE = new Stdin(Kind.NONE, null, null);

  final Kind kind;
  private final byte @Nullable [] bytes;
  final @Nullable Path file;

  private Stdin(Kind kind, byte @Nullable [] bytes, @Nullable Path file) {
    this.kind = kind;
    this.bytes = bytes;
    this.file = file;
  }

  /** Nothing: the child reads end-of-file at once (its stdin is /dev/null). The default. */
  public static Stdin none() {
    return NONE;
  }

  /**
   * {@code text} in UTF-8, written through a pipe that is closed after the last byte; if the child
   * exits without reading it all, the rest is dropped.
   *
   * @throws NullPointerException if {@code text} is null
   */
  public static Stdin of(String text) {
    return new Stdin(Kind.BYTES, requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8), null);
  }

  /**
   * The contents of {@code file}, opened for reading when the child is spawned; a file that cannot
   * be opened fails the spawn (a FAIL {@link ChildExit}).
   *
   * @throws NullPointerException if {@code file} is null
   */
  public static Stdin file(Path file) {
    return new Stdin(Kind.FILE, null, requireNonNull(file, "file"));
  }

  byte[] bytes() {
    return requireNonNull(bytes);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "Stdin[none]";
      case BYTES -> "Stdin[" + requireNonNull(bytes).length + " bytes]";
      case FILE -> "Stdin[" + file + "]";
    };
  }
}
