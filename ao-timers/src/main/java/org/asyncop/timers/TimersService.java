package org.asyncop.timers;

import static java.util.Objects.requireNonNull;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoLoop;
import org.asyncop.core.Checks;
import org.asyncop.core.ContextService;
import org.asyncop.core.PostGate;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.core.Ticker;
import org.asyncop.timers.internal.TimerWheel;
import org.jspecify.annotations.Nullable;

/**
 * The context's timers: one passive {@link TimerWheel} per loop, registered as that loop's {@link
 * org.asyncop.core.LoopDriver} the first time a timer is made for it.
 */
final class TimersService implements Timers, ContextService {
  /*
   * Overview.
   *
   * No timer thread. Each loop polls its own wheel between tasks and parks until the wheel's next
   * event, so expiry is already on the right thread and lateness is the loop's own scheduling
   * delay, not a tick. A timer made on its operation's loop is scheduled in place: one allocation
   * (the timer is its own hook node), a few field writes, the hook push; no atomic, and no clock
   * read: the wheel gives it its deadline with the clock the loop reads after the task that set
   * it (or every TimerWheel.STAMP_EVERY timers), which is never before the call, so the timer is
   * never early; a clock read is half the cost of a set-and-cancel. From another thread the
   * deadline is fixed at the call and the timer's hook push is reserved on the operation from
   * the calling thread (so its outcome waits for the timer's end even when the completion reaches
   * the loop first); the timer then goes to the wheel through the loop's ArmQueue, which wakes the
   * loop once per batch rather than once per timer. A timer set on the loop calls the
   * loop's wakeup(), a field write there: set by another driver's callback (a selector's), it
   * makes the loop poll the wheel again, with a fresh clock, before it waits (see EventLoop's
   * overview).
   *
   * wheels[i] is created, written and read only on loop i (addDriver requires that thread), so the
   * array needs no synchronization: each element is confined to its loop.
   *
   * Close: the context cancels every operation; each timer's hook stops it; by the time
   * terminated() is called every timer is gone. terminated() marks the service stopped (new timers
   * are refused) and checks each wheel on its loop, so a leak would be reported, not hidden.
   * A timer set from another thread (for an operation that has ended: no other is left) may have
   * passed its check just before; it re-checks and posts through `gate`, and terminated() waits
   * for the gate, so that its drain task reaches the loop before it stops (the timer's hook then
   * fires at once, with CANCEL) instead of being dropped with its callback never called.
   */
  private static final System.Logger LOG = System.getLogger("org.asyncop.timers");
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  private final AoContext ctx;
  private final Ticker ticker;
  private final @Nullable TimerWheel[] wheels;
  private final ArmQueue[] armQueues;
  /** Stopped by terminated(); sets from other threads post through it. */
  private final PostGate gate = new PostGate();
  /** Timers found scheduled when the context stopped (-1 until then); 0 unless something leaked. */
  private volatile int leftAtStop = -1;

  TimersService(AoContext ctx) {
    this.ctx = ctx;
    this.ticker = ctx.ticker();
    this.wheels = new TimerWheel[ctx.loops().size()];
    this.armQueues = new ArmQueue[wheels.length];
    for (AoLoop loop : ctx.loops()) {
      armQueues[loop.index()] = new ArmQueue(loop, this);
    }
  }

  @Override
  public Registration timeout(Ao<?> ao, Duration after, Consumer<Rc> callback) {
    long delay = check(ao, after, "after", callback);
    return start(new OneShotTimer.Timeout(ao, callback), delay);
  }

  @Override
  public Registration sleep(Ao<?> ao, Duration d, Consumer<Rc> callback) {
    long delay = check(ao, d, "d", callback);
    return start(new OneShotTimer.Sleep(ao, callback), delay);
  }

  @Override
  public Registration every(Ao<?> ao, Duration period, Consumer<Rc> callback) {
    requireNonNull(ao, "ao");
    Checks.positive(period, "period");
    requireNonNull(callback, "callback");
    checkUsable(ao);
    long p = nanos(period);
    long first = saturatedAdd(ticker.nanoTime(), p);
    return startAt(new PeriodicTimer(ao, callback, p, first), first);
  }

  @Override
  public Registration deadline(Ao<?> ao, Duration d) {
    requireNonNull(ao, "ao");
    Checks.nonNegative(d, "d");
    checkUsable(ao);
    return start(new DeadlineTimer(ao, d), nanos(d));
  }

  private long check(Ao<?> ao, Duration d, String name, Consumer<Rc> callback) {
    requireNonNull(ao, "ao");
    Checks.nonNegative(d, name);
    requireNonNull(callback, "callback");
    checkUsable(ao);
    return nanos(d);
  }

  /** @throws IllegalStateException if the context has stopped */
  TimersService checkNotStopped() {
    if (gate.isStopped()) {
      throw refusal();
    }
    return this;
  }

  private IllegalStateException refusal() {
    return new IllegalStateException("context " + ctx.name() + " has stopped; no new timers");
  }

  private void checkUsable(Ao<?> ao) {
    checkNotStopped();
    if (ao.context() != ctx) {
      throw new IllegalArgumentException(
          "ao belongs to context " + ao.context().name() + ", not to " + ctx.name());
    }
  }

  private Registration start(Timer t, long delayNanos) {
    AoLoop loop = t.loop();
    if (delayNanos != 0 && loop.inLoop()) {
      // no clock read: the wheel stamps the deadline with the loop's next reading (never early)
      TimerWheel w = wheelOnLoop(loop);
      if (t.armAfter(w, delayNanos)) {
        w.stamp(ticker.nanoTime());
      }
      loop.wakeup(); // set by another driver's callback: the loop polls the wheel again
      return t;
    }
    // a zero delay is due at once: the next poll, not the next tick boundary
    long deadline = delayNanos == 0 ? Long.MIN_VALUE : saturatedAdd(ticker.nanoTime(), delayNanos);
    return startAt(t, deadline);
  }

  private Registration startAt(Timer t, long deadlineNanos) {
    AoLoop loop = t.loop();
    if (loop.inLoop()) {
      t.arm(wheelOnLoop(loop), deadlineNanos);
      loop.wakeup(); // as in start()
      return t;
    }
    PostedTimer p = new PostedTimer(t, deadlineNanos);
    gate.post(() -> armQueues[loop.index()].offer(p.reserve()), this::refusal);
    return p;
  }

  /** Loop: this loop's wheel, made and registered as its driver on first use. */
  TimerWheel wheelOnLoop(AoLoop loop) {
    int i = loop.index();
    TimerWheel w = wheels[i];
    if (w == null) {
      w = new TimerWheel(ticker.nanoTime(), TimerWheel.DEFAULT_TICK_SHIFT);
      loop.addDriver(w::poll);
      wheels[i] = w;
    }
    return w;
  }

  /**
   * How many timers are scheduled on each loop, asked on the loops (tests and diagnostics).
   *
   * @return completes with the total
   */
  CompletableFuture<Integer> pending() {
    List<AoLoop> loops = ctx.loops();
    CompletableFuture<?>[] each = new CompletableFuture<?>[loops.size()];
    int[] counts = new int[loops.size()];
    for (AoLoop loop : loops) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      each[loop.index()] = f;
      // Counted in a task the loop posts to itself: a timer that a batch task ahead of this one
      // links on an ended operation leaves the wheel in the hook drain it queues on the loop's
      // own queue, which this task, coming from another thread, could overtake (the loop
      // alternates between the two queues); posted again from the loop, it runs behind it.
      loop.execute(() -> loop.execute(() -> {
        TimerWheel w = wheels[loop.index()];
        counts[loop.index()] = w == null ? 0 : w.size();
        f.complete(null);
      }));
    }
    return CompletableFuture.allOf(each).thenApply(v -> {
      int sum = 0;
      for (int c : counts) {
        sum += c;
      }
      return sum;
    });
  }

  @Override
  public CompletionStage<?> terminated() {
    return gate.stop().thenCompose(v -> pending()).thenAccept(n -> {
      leftAtStop = n;
      if (n != 0) {
        LOG.log(Level.WARNING, n + " timers still scheduled when context " + ctx.name()
            + " stopped; their operations had ended, so they can no longer fire into anything");
      }
    });
  }

  /** Timers found scheduled when the context stopped, -1 before that. */
  int leftAtStop() {
    return leftAtStop;
  }

  static long nanos(Duration d) {
    return d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  static long saturatedMul(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
      return lo;
    }
    return (a ^ b) < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  @Override
  public String toString() {
    return "Timers[" + ctx.name() + (gate.isStopped() ? ", stopped" : "") + "]";
  }
}
