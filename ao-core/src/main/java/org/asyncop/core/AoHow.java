package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * How the caller of an initiating function wants to hear the end of the operation: through a
 * callback, or through futures. Optionally with a progress listener, an executor for delivery and
 * a name.
 *
 * <p>One {@code AoHow} serves one operation: passing it to a second {@link AoContext#begin} throws
 * {@link IllegalStateException}. Configure it before passing it on.
 *
 * <p>Delivery: progress reports and then the outcome, in order, exactly once each, one at a time;
 * on the operation's loop, or on the {@link #deliverOn} executor (one task per operation at a
 * time). Never inside the initiating call, never while a library lock is held. A listener or
 * callback that throws is logged; delivery goes on.
 *
 * @param <T> the type of the operation's value
 */
public final class AoHow<T> {
  private static final VarHandle BOUND;

  static {
    try {
      BOUND = MethodHandles.lookup().findVarHandle(AoHow.class, "bound", Ao.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final @Nullable Consumer<Outcome<T>> callback;
  private final @Nullable ResultFuture<T> result;
  private final @Nullable CompletableFuture<Outcome<T>> outcome;
  private @Nullable Consumer<Progress> progressListener;
  private @Nullable Executor executor;
  private @Nullable Consumer<? super T> dropped;
  private @Nullable String name;
  /** The operation this serves; set once by CAS. */
  private volatile @Nullable Ao<T> bound;

  private AoHow(@Nullable Consumer<Outcome<T>> callback, boolean future) {
    this.callback = callback;
    this.result = future ? new ResultFuture<>() : null;
    this.outcome = future ? new CompletableFuture<>() : null;
  }

  /**
   * Hear the end through {@code callback}, called once with the outcome.
   *
   * @throws NullPointerException if {@code callback} is null
   */
  public static <T> AoHow<T> callback(Consumer<Outcome<T>> callback) {
    return new AoHow<>(requireNonNull(callback, "callback"), false);
  }

  /** Hear the end through {@link #result()} and {@link #outcome()}. */
  public static <T> AoHow<T> future() {
    return new AoHow<>(null, true);
  }

  /**
   * Also hear progress reports, in order, before the outcome.
   *
   * @throws NullPointerException if {@code listener} is null
   * @return this
   */
  public AoHow<T> onProgress(Consumer<Progress> listener) {
    this.progressListener = requireNonNull(listener, "listener");
    return this;
  }

  /**
   * Deliver progress and the outcome on {@code executor} instead of the loop, in order, one task
   * per operation at a time. If the executor rejects a task (or throws anything else), it runs on
   * the loop instead. An executor that accepts a task and then drops it (a discard policy, or
   * {@code shutdownNow()} with the task still queued) loses what it carried, the outcome
   * included: use one that runs what it accepts, or rejects.
   *
   * @throws NullPointerException if {@code executor} is null
   * @return this
   */
  public AoHow<T> deliverOn(Executor executor) {
    this.executor = requireNonNull(executor, "executor");
    return this;
  }

  /**
   * Future mode: where a value goes that {@link #result()} cannot carry, so that a resource inside
   * it can be released instead of leaking: the value of an operation that ended OK after the caller
   * cancelled {@code result()}, and what a CANCEL outcome kept ({@link Ao#cancelled(Object)}).
   * Called once, on the delivery thread, before {@link #outcome()} completes. Without it such a
   * value is logged and dropped.
   *
   * @throws NullPointerException if {@code consumer} is null
   * @throws IllegalStateException if this is not a future-mode {@code AoHow}
   * @return this
   */
  public AoHow<T> onDropped(Consumer<? super T> consumer) {
    requireNonNull(consumer, "consumer");
    if (result == null) {
      throw new IllegalStateException("onDropped applies to AoHow.future() only");
    }
    this.dropped = consumer;
    return this;
  }

  /**
   * Names the operation, for {@code toString()} and {@link AoContext#liveOperations()}.
   *
   * @throws NullPointerException if {@code name} is null
   * @return this
   */
  public AoHow<T> named(String name) {
    this.name = requireNonNull(name, "name");
    return this;
  }

  /**
   * Future mode: completes with the value when the operation ends OK, exceptionally with the
   * cause on FAIL, and with a {@link CancellationException} (its cause the cancel's reason) on
   * CANCEL. Cancelling this future requests a cancel of the operation; the operation still ends
   * on its own schedule, which {@link #outcome()} follows.
   *
   * @throws IllegalStateException if this is not a future-mode {@code AoHow}
   */
  public CompletableFuture<T> result() {
    if (result == null) {
      throw new IllegalStateException("result() applies to AoHow.future() only");
    }
    return result;
  }

  /**
   * Future mode: completes with the outcome once the operation has completed and released
   * everything, never earlier, whatever happened to {@link #result()}.
   *
   * @throws IllegalStateException if this is not a future-mode {@code AoHow}
   */
  public CompletableFuture<Outcome<T>> outcome() {
    if (outcome == null) {
      throw new IllegalStateException("outcome() applies to AoHow.future() only");
    }
    return outcome;
  }

  // ---- used by the operation ----

  /** Binds this to its operation, once. */
  void bind(Ao<T> ao) {
    if (!BOUND.compareAndSet(this, null, ao)) { // one CAS: cheaper than a monitor on this hot path
      throw new IllegalStateException("this AoHow is already bound to " + bound);
    }
    ResultFuture<T> r = result;
    if (r != null) {
      r.ao = ao;
      if (r.isCancelled()) { // cancelled before it was bound: pass it on now
        ao.cancel();
      }
    }
  }

  @Nullable String name() {
    return name;
  }

  @Nullable Executor executor() {
    return executor;
  }

  boolean wantsProgress() {
    return progressListener != null;
  }

  void deliverProgress(Progress p) {
    Consumer<Progress> l = progressListener;
    if (l != null) {
      l.accept(p);
    }
  }

  void deliverOutcome(Outcome<T> o) {
    if (callback != null) {
      callback.accept(o);
      return;
    }
    ResultFuture<T> r = requireNonNull(result);
    try {
      switch (o.rc()) {
        case OK -> {
          if (!r.complete(o.value())) {
            drop(o.value());
          }
        }
        case FAIL -> r.completeExceptionally(requireNonNull(o.failure()));
        case CANCEL -> {
          Throwable why = requireNonNull(o.failure());
          CancellationException ce =
              why instanceof CancellationException c ? c : new CancellationException("cancelled");
          if (ce != why) {
            ce.initCause(why);
          }
          r.completeExceptionally(ce);
          if (o.value() != null) {
            drop(o.value()); // a kept resource the cancelled future cannot carry
          }
        }
      }
    } finally {
      requireNonNull(outcome).complete(o); // also when onDropped threw (the caller logs that)
    }
  }

  private void drop(@Nullable T value) {
    Consumer<? super T> d = dropped;
    if (d != null && value != null) {
      d.accept(value);
    } else if (value != null) {
      System.getLogger(AoHow.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "a value that result() cannot carry (cancelled, or kept by a cancel) was dropped: {0}"
                  + " (set AoHow.onDropped to release it)",
              value);
    }
  }

  /** The result future; its cancel reaches the operation. */
  private static final class ResultFuture<T> extends CompletableFuture<T> {
    volatile @Nullable Ao<T> ao;

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      Ao<T> a = ao;
      if (cancelled && a != null) {
        a.cancel();
      }
      return cancelled;
    }
  }
}
