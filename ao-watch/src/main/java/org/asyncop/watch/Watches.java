package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.asyncop.core.Ao;
import org.asyncop.core.Checks;
import org.asyncop.core.Outcome;
import org.asyncop.core.Registration;

/**
 * Watches on a {@link WatchableStore} bound to an operation, as libxl binds xenstore watches to
 * an ao: a cancel of the operation removes them, and its outcome waits until they are gone.
 *
 * <p>Threads: safe from any thread. Store calls that may block ({@link
 * WatchableStore#mayBlock()}) run on a small pool of the context (a {@link
 * org.asyncop.core.ContextService}, stopped by the context's close), never on a loop thread;
 * every listener and callback runs on the operation's loop, never inside the call that started
 * it. Called on the operation's loop, they start without a hand-off. The operation's outcome is
 * held back ({@link Ao#attach}, by the call itself, whatever its thread) until the store has
 * dropped the watch (for ZooKeeper: the server confirmed the removal), even when the operation
 * completes before the watch's start has reached its loop. The timeout of {@link #await} is a
 * timer of the context's {@link org.asyncop.timers.Timers}.
 */
public final class Watches {
  private Watches() {}

  /**
   * Watches {@code path} and its subtree for as long as {@code ao} runs. {@code listener} hears,
   * on the ao's loop, in order: a {@link WatchEvent} for each change the store reports (its
   * {@link WatchEvent#path()} the node that changed), then exactly one end event: {@link
   * org.asyncop.core.Rc#CANCEL} when the ao was cancelled or completed, or the returned
   * registration closed; {@link org.asyncop.core.Rc#FAIL} with the cause when the store failed
   * (it could not be reached, was closed, or lost its session). Nothing follows the end.
   *
   * @return closing it ends the watch with CANCEL (heard by the listener); idempotent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} is malformed
   * @throws IllegalStateException if {@code store} is closed, or the context has stopped
   */
  public static Registration watch(
      Ao<?> ao, WatchableStore store, String path, Consumer<WatchEvent> listener) {
    requireNonNull(ao, "ao");
    requireNonNull(store, "store");
    StorePath.check(path, "path");
    requireNonNull(listener, "listener");
    checkOpen(store);
    WatchIo io = WatchIo.of(ao.context());
    WatchOp op = new WatchOp(ao, store, path, listener, io);
    io.start(ao, op::onCancel, op::start);
    return op;
  }

  /**
   * Waits until the value at {@code path} satisfies {@code until}: reads it first, then re-reads
   * and re-tests it after every change under {@code path}. {@code done} is called exactly once,
   * on the ao's loop: {@link Outcome#ok} with the value (null when the predicate accepted an
   * absent value) when the predicate holds; {@link Outcome#failed} with a {@link
   * java.util.concurrent.TimeoutException} when {@code timeout} passes first, or with the store's
   * error when it fails (or with what {@code until} threw); {@link Outcome#cancelled} when the ao
   * is cancelled or completes first, or the returned registration is closed. By the time {@code
   * done} runs the timer is closed and the store watch is being removed; the ao's outcome waits
   * for the removal. {@code until} runs on the ao's loop.
   *
   * @return closing it ends the await with CANCEL (heard by {@code done}); idempotent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} is malformed or {@code timeout} is not
   *     positive
   * @throws IllegalStateException if {@code store} is closed, or the context has stopped
   */
  public static Registration await(
      Ao<?> ao,
      WatchableStore store,
      String path,
      Predicate<Optional<String>> until,
      Duration timeout,
      Consumer<Outcome<String>> done) {
    requireNonNull(ao, "ao");
    requireNonNull(store, "store");
    StorePath.check(path, "path");
    requireNonNull(until, "until");
    Checks.positive(timeout, "timeout");
    requireNonNull(done, "done");
    checkOpen(store);
    WatchIo io = WatchIo.of(ao.context());
    AwaitOp op = new AwaitOp(ao, store, path, until, timeout, done, io);
    io.start(ao, op::onCancel, op::start);
    return op;
  }

  private static void checkOpen(WatchableStore store) {
    if (store.isClosed()) {
      throw new IllegalStateException("store is closed: " + store);
    }
  }
}
