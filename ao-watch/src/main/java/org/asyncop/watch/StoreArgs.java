package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The argument checks of the {@link WatchableStore} methods that take more than a path, in one
 * place so that every store rejects the same input with the same message (naming the argument),
 * before it looks at its own state.
 */
final class StoreArgs {
  private StoreArgs() {}

  /**
   * Checks the arguments of {@link WatchableStore#watch}.
   *
   * @throws NullPointerException if any is null
   * @throws IllegalArgumentException if {@code path} is malformed
   */
  static void watch(String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    StorePath.check(path, "path");
    requireNonNull(onChange, "onChange");
    requireNonNull(onFailure, "onFailure");
  }

  /**
   * Checks the arguments of {@link WatchableStore#compareAndSet}.
   *
   * @throws NullPointerException if any is null
   * @throws IllegalArgumentException if {@code path} is malformed
   */
  static void compareAndSet(String path, Optional<String> expected, Optional<String> next) {
    StorePath.check(path, "path");
    requireNonNull(expected, "expected");
    requireNonNull(next, "next");
  }
}
