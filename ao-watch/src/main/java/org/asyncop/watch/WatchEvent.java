package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import org.asyncop.core.Rc;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Watches#watch} listener hears: a change at a path, or, once and last, the end of
 * the watch with its {@link Rc}. Immutable.
 */
public final class WatchEvent {
  private final @Nullable String path;
  private final Rc rc;
  private final @Nullable Throwable failure;

  private WatchEvent(@Nullable String path, Rc rc, @Nullable Throwable failure) {
    this.path = path;
    this.rc = rc;
    this.failure = failure;
  }

  static WatchEvent changed(String path) {
    return new WatchEvent(requireNonNull(path, "path"), Rc.OK, null);
  }

  static WatchEvent ended(Rc rc, @Nullable Throwable failure) {
    return new WatchEvent(null, rc, failure);
  }

  /** Whether this is the end of the watch (nothing follows it). */
  public boolean isEnd() {
    return path == null;
  }

  /** The path that changed (at or under the watched path); null for the end. */
  public @Nullable String path() {
    return path;
  }

  /**
   * {@link Rc#OK} for a change; for the end, {@link Rc#CANCEL} when the watch was removed by a
   * cancel of its operation (or its completion, or {@link org.asyncop.core.Registration#close()}),
   * {@link Rc#FAIL} when the store failed.
   */
  public Rc rc() {
    return rc;
  }

  /** Why a FAIL end happened; null otherwise. */
  public @Nullable Throwable failure() {
    return failure;
  }

  @Override
  public String toString() {
    return isEnd()
        ? "WatchEvent[end " + rc + (failure != null ? ", " + failure : "") + "]"
        : "WatchEvent[" + path + "]";
  }
}
