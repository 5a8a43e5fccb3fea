package org.asyncop.supervise;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Checks;
import org.asyncop.core.Outcome;
import org.asyncop.core.PostGate;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.core.UserCode;
import org.asyncop.timers.Timers;
import org.jspecify.annotations.Nullable;

/**
 * Owns named long-running services and keeps them running: starts, stops, restarts them, passes
 * them messages, and says which are running.
 *
 * <p>The supervisor is an operation of its context; each incarnation of a service is an operation
 * nested in it, on the same loop. The supervisor ends when it is stopped ({@link #stop()}, its
 * {@link #handle()}, or the context closing: outcome CANCEL) or when its services needed more
 * restarts than its intensity limit allows (outcome FAIL with a {@link
 * RestartIntensityExceededException} whose cause is the last service failure). Either way it first
 * stops its services one at a time, last started first, waiting for each to end, and its outcome
 * comes only after the last one ended. A forced cancel ({@link CancelHandle#cancelNow()}) reaches
 * every service at once instead.
 *
 * <p>Threads: every method is safe from any thread and never blocks. Requests are carried out on
 * the supervisor's loop, in the order they were made (for requests from one thread). The returned
 * stages complete on that loop (a reply: on the thread that answered); actions chained on them
 * without an executor run there and must not block. Once the supervisor has ended, every request
 * fails its stage with {@link IllegalStateException}.
 *
 * <p>Example (compiled in {@code SupervisorExampleTest}):
 *
 * <pre>{@code
 * Supervisor sup = Supervisor.builder(ctx).intensity(3, Duration.ofSeconds(5)).start();
 * ServiceKey<String, Integer> counter = ServiceKey.of("demo", "counter");
 * sup.start(counter, ao -> {
 *   ao.onCancel(ao::cancelled);              // wind down when stopped
 *   int[] n = {0};
 *   return (msg, reply) -> reply.ok(++n[0]); // one message at a time, on the loop
 * });
 * int two = sup.send(counter, "a").thenCompose(x -> sup.send(counter, "b"))
 *     .toCompletableFuture().join();
 * sup.stop().toCompletableFuture().join();    // stops the services, newest first
 * }</pre>
 */
public final class Supervisor {
  /*
   * Overview. All bookkeeping is confined to the supervisor's loop: public methods post a task
   * and return a stage. The two maps are concurrent only so that lookup() and children() can read
   * them from any thread; they are written on the loop only. Services are shielded nested
   * operations: the supervisor's plain cancel does not reach them, so that it can stop them in
   * order itself; a forced cancel does, all at once.
   *
   * state: RUNNING -> STOPPING -> STOPPED, written on the loop only (volatile for readers).
   *   RUNNING   services start, end and restart.
   *   STOPPING  entered on a cancel of the supervisor (its hook) or when the intensity limit is
   *             passed. Nothing starts or restarts any more; stopNext() cancels the newest
   *             service and waits for its end, then the next, until none is left.
   *   STOPPED   none is left; `gate` is stopped, and once the requests that passed it have
   *             posted their tasks (which fail their stages), the supervisor's operation is
   *             completed (CANCEL, or FAIL with the intensity cause).
   */
  private enum State { RUNNING, STOPPING, STOPPED }

  private final AoContext ctx;
  private final String name;
  private final RestartPolicy defaultPolicy;
  private final int maxRestarts;
  private final Duration period;
  private final Timers timers;
  private final CompletableFuture<Outcome<Void>> terminated = new CompletableFuture<>();
  private final Ao<Void> ao;
  private final ConcurrentHashMap<ServiceKey<?, ?>, Child<?, ?>> byKey = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, Child<?, ?>> byOrder = new ConcurrentSkipListMap<>();

  private volatile State state = State.RUNNING;
  /** Requests from other threads post through it; stopped when the supervisor is. */
  private final PostGate gate = new PostGate();

  // ---- confined to the loop ----
  private final RestartWindow window;
  private long nextSeq;
  private @Nullable Throwable failCause;

  private Supervisor(Builder b) {
    this.ctx = b.ctx;
    this.name = b.name;
    this.defaultPolicy = b.policy;
    this.maxRestarts = b.maxRestarts;
    this.period = b.period;
    this.window = new RestartWindow(maxRestarts, period);
    this.timers = Timers.of(ctx);
    this.ao = ctx.begin(AoHow.<Void>callback(terminated::complete).named("supervisor " + name));
    ao.onCancel(() -> beginStop(null));
  }

  /**
   * A builder for a supervisor of {@code ctx}.
   *
   * @throws NullPointerException if {@code ctx} is null
   */
  public static Builder builder(AoContext ctx) {
    return new Builder(requireNonNull(ctx, "ctx"));
  }

  // ---------------------------------------------------------------- requests

  /**
   * Starts a service under {@code key} with the supervisor's default policy.
   *
   * @see #start(ServiceKey, RestartPolicy, ServiceFactory)
   */
  public <M, R> CompletionStage<Void> start(ServiceKey<M, R> key, ServiceFactory<M, R> factory) {
    return start(key, defaultPolicy, factory);
  }

  /**
   * Starts a service under {@code key}: calls {@code factory} on the loop with the operation of
   * its first incarnation. The stage completes once the factory returned; it fails with the
   * factory's exception (the service is then not kept), or with {@link IllegalStateException} if
   * a service runs under {@code key} already or the supervisor is stopping.
   *
   * @throws NullPointerException if an argument is null
   */
  public <M, R> CompletionStage<Void> start(
      ServiceKey<M, R> key, RestartPolicy policy, ServiceFactory<M, R> factory) {
    requireNonNull(key, "key");
    requireNonNull(policy, "policy");
    requireNonNull(factory, "factory");
    CompletableFuture<Void> f = new CompletableFuture<>();
    post(f, () -> doStart(key, policy, factory, f));
    return f.minimalCompletionStage();
  }

  /**
   * Stops the service under {@code key}: cancels it, waits for its end, and drops it; it is not
   * restarted. The stage completes with the outcome of its last incarnation (usually CANCEL); it
   * fails with {@link ServiceNotRunningException} if no service is kept under {@code key}.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public CompletionStage<Outcome<?>> stop(ServiceKey<?, ?> key) {
    requireNonNull(key, "key");
    CompletableFuture<Outcome<?>> f = new CompletableFuture<>();
    post(f, () -> doStop(key, f));
    return f.minimalCompletionStage();
  }

  /**
   * Restarts the service under {@code key}: cancels its incarnation, waits for its end, and starts
   * a new one at once (also when it was waiting for its backoff). Does not count against the
   * intensity limit. The stage completes once the new incarnation's factory returned; it fails
   * with the factory's exception, or with {@link ServiceNotRunningException} if no service is kept
   * under {@code key}, it is being stopped, or the supervisor is stopping.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public CompletionStage<Void> restart(ServiceKey<?, ?> key) {
    requireNonNull(key, "key");
    CompletableFuture<Void> f = new CompletableFuture<>();
    post(f, () -> doRestart(key, f));
    return f.minimalCompletionStage();
  }

  /**
   * Sends {@code message} to the service under {@code key}; it receives it on the loop, after the
   * messages sent before it from the same thread. The stage completes with its reply, or fails
   * with its failure, or with {@link ServiceNotRunningException} if no incarnation of it is
   * running (none was started, it was stopped, it waits for a restart) or it ended before it
   * answered.
   *
   * @throws NullPointerException if an argument is null
   */
  public <M, R> CompletionStage<R> send(ServiceKey<M, R> key, M message) {
    requireNonNull(key, "key");
    requireNonNull(message, "message");
    ReplyImpl<R> reply = new ReplyImpl<>();
    post(reply.future, () -> deliver(key, message, reply));
    return reply.future.minimalCompletionStage();
  }

  /**
   * The service kept under {@code key}, if any: running, stopping, or waiting for its restart.
   * Reads the supervisor's current view without waiting for its loop.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public Optional<ChildInfo> lookup(ServiceKey<?, ?> key) {
    requireNonNull(key, "key");
    Child<?, ?> c = byKey.get(key);
    return c == null ? Optional.empty() : Optional.of(info(c, ctx.ticker().nanoTime()));
  }

  /** The services kept, in start order (a restarted service keeps its place). */
  public List<ChildInfo> children() {
    long now = ctx.ticker().nanoTime();
    List<ChildInfo> out = new ArrayList<>();
    for (Child<?, ?> c : byOrder.values()) {
      out.add(info(c, now));
    }
    return out;
  }

  /**
   * Stops the supervisor: stops its services, last started first, each waited for, then ends
   * with CANCEL. Idempotent.
   *
   * @return the supervisor's outcome, as {@link #terminated()}
   */
  public CompletionStage<Outcome<Void>> stop() {
    ao.cancel();
    return terminated();
  }

  /** Completes with the supervisor's outcome once it and every service of it have ended. */
  public CompletionStage<Outcome<Void>> terminated() {
    return terminated.minimalCompletionStage();
  }

  /** A handle to the supervisor's operation; the caller closes it. */
  public CancelHandle handle() {
    return ao.handle();
  }

  /** The name given to the builder. */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "Supervisor[" + name + ", " + state + ", services=" + byKey.size() + "]";
  }

  // ---------------------------------------------------------------- on the loop

  /** Runs {@code task} on the loop, or fails {@code f} if the supervisor has stopped. */
  private void post(CompletableFuture<?> f, Runnable task) {
    try {
      gate.post(() -> ao.execute(task), () -> new IllegalStateException(this + " has stopped"));
    } catch (IllegalStateException refused) {
      f.completeExceptionally(refused);
    }
  }

  private <M, R> void doStart(
      ServiceKey<M, R> key, RestartPolicy policy, ServiceFactory<M, R> factory,
      CompletableFuture<Void> f) {
    if (state != State.RUNNING) {
      f.completeExceptionally(new IllegalStateException(this + " is stopping; not starting " + key));
      return;
    }
    if (byKey.containsKey(key)) {
      f.completeExceptionally(new IllegalStateException("service " + key + " is already started"));
      return;
    }
    Child<M, R> c = new Child<>(key, policy, factory, nextSeq++);
    byKey.put(key, c);
    byOrder.put(c.seq, c);
    Throwable t = launch(c, true);
    if (t != null) {
      // not kept: dropped now, not when the incarnation's outcome comes (which waits for whatever
      // the factory began), so that the key is free again and stopping does not wait for it
      remove(c);
    }
    complete(f, t);
  }

  /**
   * Loop: begins an incarnation and runs the factory.
   *
   * @return the factory's exception, or null
   */
  private <M, R> @Nullable Throwable launch(Child<M, R> c, boolean first) {
    long now = ctx.ticker().nanoTime();
    Child<M, R>.Incarnation inc = c.new Incarnation(now, first);
    Ao<Void> a = ao.nestShielded(c.key.toString(), o -> ended(c, inc, o));
    inc.ao = a;
    c.current = inc;
    c.startedNanos = now;
    c.state = ChildInfo.State.RUNNING;
    try {
      inc.service = requireNonNull(c.factory.start(a), "factory returned null");
      return null;
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      inc.failedAtStart = true;
      if (!a.isDone()) {
        a.fail(e);
      }
      return e;
    }
  }

  /** Loop: an incarnation's outcome arrived; decide what comes next. */
  private <M, R> void ended(Child<M, R> c, Child<M, R>.Incarnation inc, Outcome<Void> o) {
    // STOPPING until what follows relaunches, schedules or drops it: readers on other threads
    // (and senders' actions run by abandonPending below) must not see it RUNNING with no
    // incarnation
    c.state = ChildInfo.State.STOPPING;
    c.current = null;
    c.lastOutcome = o;
    c.lastFailure = o.rc() == Rc.FAIL ? o.failure() : null;
    inc.abandonPending();
    if (inc.first && inc.failedAtStart) {
      return; // dropped by doStart already; the supervisor's stop never waited for it
    }
    // stop() waiters hear the outcome from remove(), after the service left the maps: whoever
    // looks it up once their stop completed finds it gone
    if (state != State.RUNNING) {
      remove(c);
      stopNext();
    } else if (c.stopRequested) {
      remove(c);
    } else if (c.restartRequested) {
      c.restartRequested = false;
      Throwable t = relaunch(c);
      for (CompletableFuture<Void> w : c.restartWaiters) {
        complete(w, t);
      }
      c.restartWaiters.clear();
    } else if (!c.policy.restartsAfter(o.rc())) {
      remove(c);
    } else {
      scheduleRestart(c, inc, o);
    }
  }

  private <M, R> void scheduleRestart(Child<M, R> c, Child<M, R>.Incarnation inc, Outcome<Void> o) {
    long now = ctx.ticker().nanoTime();
    if (!window.tryRecord(now)) {
      remove(c);
      beginStop(new RestartIntensityExceededException(c.key, maxRestarts, period, o.failure()));
      return;
    }
    if (now - inc.startedNanos >= RestartWindow.saturatedNanos(c.policy.maxBackoff())) {
      c.streak = 0;
    }
    if (c.streak < Integer.MAX_VALUE) { // a service that fails for ever must not wrap negative
      c.streak++;
    }
    Duration d = c.policy.delay(c.streak);
    c.state = ChildInfo.State.RESTARTING;
    if (d.isZero()) {
      relaunch(c);
    } else {
      c.backoff = timers.sleep(ao, d, rc -> {
        c.backoff = null;
        if (rc == Rc.OK && state == State.RUNNING && c.state == ChildInfo.State.RESTARTING
            && byKey.get(c.key) == c) {
          relaunch(c);
        }
      });
    }
  }

  private @Nullable Throwable relaunch(Child<?, ?> c) {
    c.restarts++;
    return launch(c, false);
  }

  /** Loop: drops a service for good, then completes its stop() waiters with its last outcome. */
  private void remove(Child<?, ?> c) {
    closeBackoff(c);
    byKey.remove(c.key, c);
    byOrder.remove(c.seq, c);
    Outcome<?> last = c.lastOutcome;
    for (CompletableFuture<Outcome<?>> w : c.stopWaiters) {
      w.complete(last != null ? last : Outcome.cancelled(null));
    }
    c.stopWaiters.clear();
    for (CompletableFuture<Void> w : c.restartWaiters) {
      w.completeExceptionally(new ServiceNotRunningException(c.key, "was stopped"));
    }
    c.restartWaiters.clear();
  }

  private static void closeBackoff(Child<?, ?> c) {
    Registration r = c.backoff;
    if (r != null) {
      c.backoff = null;
      r.close();
    }
  }

  private void doStop(ServiceKey<?, ?> key, CompletableFuture<Outcome<?>> f) {
    Child<?, ?> c = byKey.get(key);
    if (c == null) {
      f.completeExceptionally(new ServiceNotRunningException(key, "is not supervised"));
      return;
    }
    c.stopWaiters.add(f);
    c.stopRequested = true;
    switch (c.state) {
      case RESTARTING -> remove(c);
      case RUNNING -> cancel(c);
      case STOPPING -> { } // its end is on the way; ended() completes f
      default -> throw new IllegalStateException("Invalid state: " + c.state);
    }
  }

  private void doRestart(ServiceKey<?, ?> key, CompletableFuture<Void> f) {
    Child<?, ?> c = byKey.get(key);
    if (c == null) {
      f.completeExceptionally(new ServiceNotRunningException(key, "is not supervised"));
      return;
    }
    if (state != State.RUNNING || c.stopRequested) {
      f.completeExceptionally(new ServiceNotRunningException(key, "is being stopped"));
      return;
    }
    switch (c.state) {
      case RESTARTING -> {
        closeBackoff(c);
        complete(f, relaunch(c));
      }
      case RUNNING, STOPPING -> {
        c.restartRequested = true;
        c.restartWaiters.add(f);
        cancel(c);
      }
      default -> throw new IllegalStateException("Invalid state: " + c.state);
    }
  }

  /** Loop: asks the current incarnation to end. */
  private static void cancel(Child<?, ?> c) {
    c.state = ChildInfo.State.STOPPING;
    Child<?, ?>.Incarnation inc = c.current;
    if (inc != null) {
      inc.ao.cancel();
    }
  }

  private <M, R> void deliver(ServiceKey<M, R> key, M message, ReplyImpl<R> reply) {
    @SuppressWarnings("unchecked") // the key's type parameters tie messages to the factory
    Child<M, R> c = (Child<M, R>) byKey.get(key);
    Child<M, R>.Incarnation inc = c == null ? null : c.current;
    Service<M, R> s = inc == null ? null : inc.service;
    if (c == null || inc == null || s == null || c.state != ChildInfo.State.RUNNING
        || inc.ao.isDone()) {
      String why = c == null ? "is not supervised"
          : c.state == ChildInfo.State.RESTARTING ? "is waiting for its restart" : "is not running";
      reply.abandon(new ServiceNotRunningException(key, why));
      return;
    }
    inc.track(reply);
    try {
      s.receive(message, reply);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      reply.crashed(e);
      if (!inc.ao.isDone()) {
        inc.ao.fail(e);
      }
    }
  }

  /** Loop: begins stopping the services; {@code cause} is null for a stop by request. */
  private void beginStop(@Nullable Throwable cause) {
    if (state != State.RUNNING) {
      return;
    }
    state = State.STOPPING;
    failCause = cause;
    stopNext();
  }

  /** Loop: ends the stopped supervisor's operation: FAIL with the intensity cause, or CANCEL. */
  private void end() {
    Throwable cause = failCause;
    if (cause != null) {
      ao.fail(cause);
    } else {
      ao.cancelled();
    }
  }

  /** Loop: stops the newest service left, or ends the supervisor when none is. */
  private void stopNext() {
    for (; ; ) {
      Map.Entry<Long, Child<?, ?>> e = byOrder.lastEntry();
      if (e == null) {
        state = State.STOPPED;
        // a request that passed the gate just before has posted its task, or is about to: the
        // operation ends only once it has, so the context cannot stop the loop before that task
        // is queued (the loop drains its queues before it stops; the task finds STOPPED and
        // fails its stage, before or after end() ran)
        gate.stop().thenRun(() -> ao.execute(this::end));
        return;
      }
      Child<?, ?> c = e.getValue();
      switch (c.state) {
        case RESTARTING -> remove(c);
        case RUNNING -> {
          cancel(c);
          return;
        }
        case STOPPING -> {
          return; // ended() calls again
        }
        default -> throw new IllegalStateException("Invalid state: " + c.state);
      }
    }
  }

  private ChildInfo info(Child<?, ?> c, long now) {
    ChildInfo.State s = c.state;
    Child<?, ?>.Incarnation inc = c.current;
    if (s == ChildInfo.State.RUNNING && inc != null && inc.ao.isDone()) {
      s = ChildInfo.State.STOPPING; // it ended on its own; its outcome is on its way
    }
    Duration up = s == ChildInfo.State.RESTARTING ? Duration.ZERO
        : Duration.ofNanos(Math.max(0, now - c.startedNanos));
    return new ChildInfo(c.key, s, up, c.restarts, c.lastFailure);
  }

  private static void complete(CompletableFuture<Void> f, @Nullable Throwable t) {
    if (t == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(t);
    }
  }


  /** Builds and starts a {@link Supervisor}. */
  public static final class Builder {
    private final AoContext ctx;
    private String name = "supervisor";
    private RestartPolicy policy = RestartPolicy.onFailure();
    private int maxRestarts = 3;
    private Duration period = Duration.ofSeconds(5);

    private Builder(AoContext ctx) {
      this.ctx = ctx;
    }

    /**
     * The supervisor's name, for its operation and messages. Default {@code "supervisor"}.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Builder name(String name) {
      this.name = Checks.notEmpty(name, "name");
      return this;
    }

    /**
     * The policy of services started without one. Default {@link RestartPolicy#onFailure()}.
     *
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder defaultPolicy(RestartPolicy policy) {
      this.policy = requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The intensity limit: at most {@code maxRestarts} automatic restarts, of all services
     * together, within any {@code period}; the next one makes the supervisor give up. Default 3
     * within 5 s.
     *
     * @throws NullPointerException if {@code period} is null
     * @throws IllegalArgumentException if {@code maxRestarts} is negative or {@code period} is not
     *     positive
     */
    public Builder intensity(int maxRestarts, Duration period) {
      Checks.positive(period, "period");
      if (maxRestarts < 0) {
        throw new IllegalArgumentException("maxRestarts must not be negative, was " + maxRestarts);
      }
      this.maxRestarts = maxRestarts;
      this.period = period;
      return this;
    }

    /**
     * Begins the supervisor's operation.
     *
     * @throws IllegalStateException if the context is closing
     */
    public Supervisor start() {
      return new Supervisor(this);
    }
  }
}
