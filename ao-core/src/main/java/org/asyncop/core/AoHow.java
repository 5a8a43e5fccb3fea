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
 * {@link IllegalStateException}. That check is made for every begin that happens after the first
 * (the same thread reusing it, or another thread it was handed to); two threads passing the same
 * {@code AoHow} at the same moment, a bug of its own, may go unnoticed. Configure it before passing
 * it on.
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

  // An AoHow is allocated for every operation, so a callback-mode one keeps to three fields (24
  // bytes); whatever else it is given lives in `more`, made on first use.
  /** The callback; null in future mode. */
  private final @Nullable Consumer<Outcome<T>> callback;
  /** Set by the configuring thread before the AoHow is passed on; read by the loop after bind. */
  private @Nullable More<T> more;
  /** The operation this serves; set once, by bind(). */
  private volatile @Nullable Ao<T> bound;

  private AoHow(@Nullable Consumer<Outcome<T>> callback, @Nullable More<T> more) {
    this.callback = callback;
    this.more = more;
  }

  /**
   * Hear the end through {@code callback}, called once with the outcome.
   *
   * @throws NullPointerException if {@code callback} is null
   */
  public static <T> AoHow<T> callback(Consumer<Outcome<T>> callback) {
    return new AoHow<>(requireNonNull(callback, "callback"), null);
  }

  /** Hear the end through {@link #result()} and {@link #outcome()}. */
  public static <T> AoHow<T> future() {
    More<T> m = new More<>();
    m.result = new ResultFuture<>();
    m.outcome = new CompletableFuture<>();
    return new AoHow<>(null, m);
  }

  /**
   * Also hear progress reports, in order, before the outcome.
   *
   * @throws NullPointerException if {@code listener} is null
   * @return this
   */
  public AoHow<T> onProgress(Consumer<Progress> listener) {
    more().progressListener = requireNonNull(listener, "listener");
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
    more().executor = requireNonNull(executor, "executor");
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
    futureMode("onDropped").dropped = consumer;
    return this;
  }

  /**
   * Names the operation, for {@code toString()} and {@link AoContext#liveOperations()}.
   *
   * @throws NullPointerException if {@code name} is null
   * @return this
   */
  public AoHow<T> named(String name) {
    more().name = requireNonNull(name, "name");
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
    return requireNonNull(futureMode("result()").result);
  }

  /**
   * Future mode: completes with the outcome once the operation has completed and released
   * everything, never earlier, whatever happened to {@link #result()}.
   *
   * @throws IllegalStateException if this is not a future-mode {@code AoHow}
   */
  public CompletableFuture<Outcome<T>> outcome() {
    return requireNonNull(futureMode("outcome()").outcome);
  }

  // ---- used by the operation ----

  /** Binds this to its operation, once. */
  void bind(Ao<T> ao) {
    // A check and a store, not a CAS: a CAS is a tenth of the bare begin-complete-deliver on these
    // machines (AoLifeCpu), and it would only catch two begins racing with one AoHow (see the
    // class javadoc); a reuse after the first begin sees the store.
    Ao<T> b = bound;
    if (b != null) {
      throw new IllegalStateException("this AoHow is already bound to " + b);
    }
    BOUND.setRelease(this, ao);
    More<T> m = more;
    ResultFuture<T> r = m == null ? null : m.result;
    if (r != null) {
      r.ao = ao;
      if (r.isCancelled()) { // cancelled before it was bound: pass it on now
        ao.cancel();
      }
    }
  }

  @Nullable String name() {
    More<T> m = more;
    return m == null ? null : m.name;
  }

  @Nullable Executor executor() {
    More<T> m = more;
    return m == null ? null : m.executor;
  }

  boolean wantsProgress() {
    More<T> m = more;
    return m != null && m.progressListener != null;
  }

  void deliverProgress(Progress p) {
    More<T> m = more;
    Consumer<Progress> l = m == null ? null : m.progressListener;
    if (l != null) {
      l.accept(p);
    }
  }

  void deliverOutcome(Outcome<T> o) {
    if (callback != null) {
      callback.accept(o);
      return;
    }
    More<T> m = requireNonNull(more);
    ResultFuture<T> r = requireNonNull(m.result);
    try {
      switch (o.rc()) {
        case OK -> {
          if (!r.complete(o.value())) {
            drop(m, o.value());
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
            drop(m, o.value()); // a kept resource the cancelled future cannot carry
          }
        }
      }
    } finally {
      requireNonNull(m.outcome).complete(o); // also when onDropped threw (the caller logs that)
    }
  }

  private static <T> void drop(More<T> m, @Nullable T value) {
    Consumer<? super T> d = m.dropped;
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

  private More<T> more() {
    More<T> m = more;
    if (m == null) {
      m = new More<>();
      more = m;
    }
    return m;
  }

  /** This AoHow's settings, if it is in future mode; {@code what} names the caller otherwise. */
  private More<T> futureMode(String what) {
    if (callback != null) { // final, so the mode is right even where `more` was published racily
      throw new IllegalStateException(what + " applies to AoHow.future() only");
    }
    return requireNonNull(more);
  }

  /** What an AoHow holds beyond its callback: the futures of future mode, the options. */
  private static final class More<T> {
    @Nullable ResultFuture<T> result;
    @Nullable CompletableFuture<Outcome<T>> outcome;
    @Nullable Consumer<Progress> progressListener;
    @Nullable Executor executor;
    @Nullable Consumer<? super T> dropped;
    @Nullable String name;
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
