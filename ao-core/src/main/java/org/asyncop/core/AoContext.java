package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Owns event loops and everything the operations on them use: timers, child processes, watches
 * (attached as {@link ContextService}s). Create one per application, or per component that must be
 * able to stop on its own.
 *
 * <p>Closing is graceful, in phases: refuse new operations, tell holds and services that close
 * began, cancel every operation in flight, wait until every operation has completed and every
 * hold and service has released what it holds, then stop the loops (after running the tasks
 * already posted to them). All methods are safe from any thread.
 */
public interface AoContext extends AutoCloseable {

  /** A context with one loop, named {@code asyncop}, not strict. */
  static AoContext create() {
    return builder().build();
  }

  /** A builder for a context. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Begins an operation on one of the loops (the caller's own loop when called on one). The
   * outcome is delivered as {@code how} says.
   *
   * @throws NullPointerException if {@code how} is null
   * @throws IllegalStateException if close has begun, or {@code how} was already used
   */
  <T> Ao<T> begin(AoHow<T> how);

  /** Like {@link #hold(Runnable)} with nothing to tell. */
  Hold hold();

  /**
   * Keeps this context from finishing its close until the returned hold is closed. When close
   * begins, {@code prepareToStop} is called once (on the closing thread) so that the outside work
   * can end early; it must not block.
   *
   * @throws NullPointerException if {@code prepareToStop} is null
   * @throws IllegalStateException if close has begun
   */
  Hold hold(Runnable prepareToStop);

  /**
   * The service of {@code type} attached to this context, created by {@code factory} on first use.
   * Close tells each service when it begins and waits for its {@link ContextService#terminated()}
   * before stopping the loops. A service created after close began is told at once.
   *
   * <p>{@code factory} runs on the calling thread, under the context's lock (so that a close
   * beginning at the same moment tells the new service exactly once): it must not wait for another
   * thread, least of all for one of this context's loops, which may be waiting for that lock.
   *
   * @throws NullPointerException if an argument is null, or the factory returns null
   * @throws IllegalStateException if the close has reached its last phase (every operation has
   *     ended and every hold is released; it waits for its services, its loops still running, then
   *     stops them) and there is no service of {@code type}: one attached then would not be waited
   *     for. One attached earlier is still returned, so that a late call can find out from it that
   *     the context has stopped.
   */
  <S extends ContextService> S service(Class<S> type, Function<? super AoContext, ? extends S> factory);

  /** The loops of this context, in index order. */
  List<AoLoop> loops();

  /** The context's source of time. */
  Ticker ticker();

  /** The name given to the builder; loop threads are named after it. */
  String name();

  /** Whether close has begun. */
  boolean isClosing();

  /**
   * Closes gracefully and waits until the loops have stopped; no thread of the context is alive
   * when it returns. Idempotent: a second call waits for the same end. Every outcome has been
   * handed over by then; one delivered through an {@link AoHow#deliverOn} executor may still be
   * running there. An operation that ignores its cancel keeps this call waiting: bound it with
   * {@link #close(Duration)}.
   *
   * @throws IllegalStateException if called on one of this context's loops (it would wait on
   *     itself; use {@link #closeAsync()} there)
   */
  @Override
  void close();

  /**
   * Begins a graceful close and returns at once.
   *
   * @return completes when the loops have stopped
   */
  CompletionStage<Void> closeAsync();

  /**
   * Closes, escalating: cancel every operation, wait up to {@code timeout}, then force-cancel
   * ({@link Ao#cancelNow()}) what is left and wait briefly for it. If something is still alive
   * then, it is logged with its age and pending registrations and the method returns false; the
   * context stays closing and its loops stop by themselves once the last operation ends. An
   * interrupt does not cut the waits short (the caller's interrupt status is kept).
   *
   * @return true if the context stopped within the bound
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if called on one of this context's loops
   */
  boolean close(Duration timeout);

  /**
   * The operations in flight (top-level ones), for debugging a stuck close. Asks each loop; a loop
   * that does not answer within a second is left out.
   */
  List<AoInfo> liveOperations();

  /** Builds an {@link AoContext}. */
  final class Builder {
    int loops = 1;
    boolean strict;
    String name = "asyncop";
    Ticker ticker = Ticker.SYSTEM;
    Consumer<String> leakListener = s -> {};

    Builder() {}

    /**
     * How many loops (threads) the context runs. Default 1.
     *
     * @throws IllegalArgumentException if {@code loops} is less than 1
     */
    public Builder loops(int loops) {
      this.loops = Checks.positive(loops, "loops");
      return this;
    }

    /**
     * In strict mode, a {@link CancelHandle} garbage collected without being closed is reported:
     * logged, and passed to the {@link #onLeak} listener. Default false.
     */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /**
     * Where strict mode reports leaks, besides the log.
     *
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder onLeak(Consumer<String> listener) {
      this.leakListener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The context's name; loop threads are named {@code name-loop-N}.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Builder name(String name) {
      this.name = Checks.notEmpty(name, "name");
      return this;
    }

    /**
     * The source of time (default {@link Ticker#SYSTEM}), for tests that drive time by hand.
     *
     * @throws NullPointerException if {@code ticker} is null
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /** Builds the context and starts its loops. */
    public AoContext build() {
      return new ContextImpl(this, true);
    }
  }
}
