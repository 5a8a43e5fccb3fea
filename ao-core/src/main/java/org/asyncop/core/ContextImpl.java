package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.asyncop.core.internal.EventLoop;
import org.asyncop.core.internal.Log;

/**
 * The context.
 *
 * <p>Close, in phases, each entered once (under this object's monitor; close is a rare path):
 * <ol>
 *   <li>OPS: {@code state} went OPEN to CLOSING by CAS; holds and services were told; each loop
 *       got a task that cancels its live operations. Waits until every loop reported itself
 *       quiescent ({@link LoopState#checkQuiescent}).
 *   <li>HOLDS: waits until every {@link Hold} is closed.
 *   <li>SERVICES: no service may be created any more; waits for every service's {@code
 *       terminated()}. The loops still run, so services can post to them while they wind down.
 *   <li>STOP: each loop runs what is queued and exits; the last one to exit completes {@link
 *       #terminated}.
 * </ol>
 */
final class ContextImpl implements AoContext {
  private static final int OPEN = 0;
  private static final int CLOSING = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ContextImpl.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private enum Phase { OPS, HOLDS, SERVICES, STOP }

  private final String name;
  private final boolean strict;
  private final Ticker ticker;
  private final Consumer<String> leakListener;
  private final EventLoop[] loops;
  private final LoopState[] loopStates;
  private final List<AoLoop> loopList;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicInteger exitedLoops = new AtomicInteger();
  private final Set<HoldImpl> holds = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Class<?>, ContextService> services = new ConcurrentHashMap<>();

  /** OPEN or CLOSING; see the class comment. */
  private volatile int state;

  // guarded by this
  private Phase phase = Phase.OPS;
  private int quiescentLoops;
  private boolean servicesSealed;
  /** closeAsync took its snapshot of the services: a service attached later is told by service(). */
  private boolean servicesTold;

  /**
   * @param start whether to start the loops' threads; tests drive unstarted loops by hand with
   *     {@link EventLoop#runPending()}
   */
  ContextImpl(AoContext.Builder b, boolean start) {
    this.name = b.name;
    this.strict = b.strict;
    this.ticker = b.ticker;
    this.leakListener = b.leakListener;
    this.loops = new EventLoop[b.loops];
    this.loopStates = new LoopState[b.loops];
    for (int i = 0; i < b.loops; i++) {
      loops[i] = new EventLoop(name + "-loop-" + i, i, ticker, this::loopExited);
      loopStates[i] = new LoopState(loops[i], this);
    }
    this.loopList = List.of(loops);
    if (start) {
      for (EventLoop l : loops) {
        l.start();
      }
    }
  }

  // ---------------------------------------------------------------- begin

  @Override
  public <T> Ao<T> begin(AoHow<T> how) {
    requireNonNull(how, "how");
    LoopState ls = pickLoop();
    if (ls.loop.inLoop()) {
      checkOpen();
      AoImpl<T> ao = new AoImpl<>(this, ls.loop, how);
      how.bind(ao);
      ls.add(ao);
      return ao;
    }
    ls.pendingBegins.incrementAndGet();
    AoImpl<T> ao;
    try {
      checkOpen();
      ao = new AoImpl<>(this, ls.loop, how);
      how.bind(ao);
    } catch (RuntimeException e) {
      if (ls.pendingBegins.decrementAndGet() == 0 && state != OPEN) {
        ls.loop.execute(ls::checkQuiescent);
      }
      throw e;
    }
    ls.arrive(ao);
    return ao;
  }

  private void checkOpen() {
    if (state != OPEN) {
      throw new IllegalStateException("context " + name + " is closing; no new operations");
    }
  }

  private LoopState pickLoop() {
    if (loops.length == 1) {
      return loopStates[0];
    }
    for (LoopState ls : loopStates) {
      if (ls.loop.inLoop()) {
        return ls;
      }
    }
    return loopStates[ThreadLocalRandom.current().nextInt(loops.length)];
  }

  /** Loop: a top-level operation's outcome was delivered. */
  void delivered(AoImpl<?> ao) {
    loopStates[ao.loop.index()].remove(ao);
  }

  // ---------------------------------------------------------------- holds and services

  @Override
  public Hold hold() {
    return hold(() -> {});
  }

  @Override
  public Hold hold(Runnable prepareToStop) {
    requireNonNull(prepareToStop, "prepareToStop");
    checkOpen();
    HoldImpl h = new HoldImpl(prepareToStop);
    holds.add(h);
    if (state != OPEN) { // raced the close: back out
      h.close();
      checkOpen();
    }
    return h;
  }

  private final class HoldImpl implements Hold {
    final Runnable prepareToStop;
    private final AtomicBoolean closed = new AtomicBoolean();

    HoldImpl(Runnable prepareToStop) {
      this.prepareToStop = prepareToStop;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        holds.remove(this);
        if (state != OPEN) {
          advance();
        }
      }
    }
  }

  @Override
  public <S extends ContextService> S service(
      Class<S> type, Function<? super AoContext, ? extends S> factory) {
    requireNonNull(type, "type");
    requireNonNull(factory, "factory");
    ContextService s = services.get(type);
    if (s != null) {
      return type.cast(s);
    }
    S created;
    synchronized (this) {
      s = services.get(type);
      if (s != null) {
        return type.cast(s);
      }
      if (servicesSealed) {
        throw new IllegalStateException("context " + name + " has stopped; cannot attach " + type);
      }
      created = requireNonNull(factory.apply(this), "factory returned null");
      if (!type.isInstance(created)) {
        throw new IllegalArgumentException("factory made a " + created.getClass() + ", not a " + type);
      }
      services.put(type, created);
      // else closeAsync's snapshot, not yet taken, includes it: told once. Told under the lock
      // (as the factory ran), so that advance() cannot ask for its terminated() before this
      if (servicesTold) {
        created.closeBegun();
      }
    }
    return created;
  }

  // ---------------------------------------------------------------- close

  @Override
  public CompletionStage<Void> closeAsync() {
    if (STATE.compareAndSet(this, OPEN, CLOSING)) {
      for (HoldImpl h : holds) {
        runSafely(h.prepareToStop, "prepareToStop of a hold");
      }
      List<ContextService> snapshot;
      synchronized (this) {
        snapshot = new ArrayList<>(services.values());
        servicesTold = true;
      }
      for (ContextService s : snapshot) {
        runSafely(s::closeBegun, "closeBegun of " + s);
      }
      for (LoopState ls : loopStates) {
        ls.loop.execute(ls::beginClose);
      }
    }
    return terminated.minimalCompletionStage();
  }

  /** A loop has nothing live any more. */
  void loopQuiescent() {
    synchronized (this) {
      quiescentLoops++;
    }
    advance();
  }

  private void advance() {
    List<ContextService> toWait = null;
    synchronized (this) {
      if (phase == Phase.OPS && quiescentLoops == loops.length) {
        phase = Phase.HOLDS;
      }
      if (phase == Phase.HOLDS && holds.isEmpty()) {
        phase = Phase.SERVICES;
        servicesSealed = true;
        toWait = new ArrayList<>(services.values());
      }
    }
    if (toWait == null) {
      return;
    }
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (ContextService s : toWait) {
      try {
        all.add(s.terminated().toCompletableFuture());
      } catch (Throwable e) { // an Error too: the loops must still stop
        UserCode.rethrowIfFatal(e);
        Log.userCodeThrew("terminated() of " + s, e);
      }
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                Log.userCodeThrew("a service's termination", e);
              }
              synchronized (this) {
                phase = Phase.STOP;
              }
              for (EventLoop l : loops) {
                l.stop();
              }
            });
  }

  private void loopExited() {
    if (exitedLoops.incrementAndGet() == loops.length) {
      terminated.complete(null);
    }
  }

  @Override
  public void close() {
    checkNotOnLoop("close()");
    closeAsync();
    terminated.join();
    joinThreads();
  }

  @Override
  public boolean close(Duration timeout) {
    Checks.nonNegative(timeout, "timeout");
    checkNotOnLoop("close(Duration)");
    // the waits are bounded, so an interrupt does not cut them short (that would force the cancel
    // at once, abandoning cleanup the bound lets finish), as in close(); it is kept for the caller
    boolean interrupted = Thread.interrupted();
    try {
      closeAsync();
      if (await(timeout)) {
        joinThreads();
        return true;
      }
      for (LoopState ls : loopStates) {
        ls.loop.execute(ls::cancelNowAll);
      }
      Duration grace = timeout.compareTo(FORCE_GRACE) < 0 ? max(timeout, MIN_GRACE) : FORCE_GRACE;
      if (await(grace)) {
        joinThreads();
        return true;
      }
      interrupted |= Thread.interrupted(); // liveOperations() waits for the loops' answers
      Log.warn("context " + name + " did not close within " + timeout + " and a forced cancel;"
          + " still alive: " + liveOperations() + "; holds: " + holds.size()
          + "; it stays closing and stops by itself when they end");
      return false;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** How long close(Duration) waits after its forced cancel, at most. */
  private static final Duration FORCE_GRACE = Duration.ofSeconds(1);

  private static final Duration MIN_GRACE = Duration.ofMillis(50);

  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Waits up to {@code d} for the loops to stop, through interrupts (kept for the caller). */
  private boolean await(Duration d) {
    boolean interrupted = false;
    try {
      // a bound past Long.MAX_VALUE nanos (about 292 years; ChronoUnit.FOREVER) waits that long
      long nanos = d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
      long deadline = System.nanoTime() + nanos; // may wrap; the difference below does not
      for (; ; ) {
        try {
          terminated.get(nanos, TimeUnit.NANOSECONDS);
          return true;
        } catch (InterruptedException e) {
          interrupted = true;
          nanos = Math.max(0, deadline - System.nanoTime());
        }
      }
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void joinThreads() {
    boolean interrupted = false;
    for (EventLoop l : loops) {
      Thread t = l.thread();
      while (t != null && t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void checkNotOnLoop(String what) {
    for (EventLoop l : loops) {
      if (l.inLoop()) {
        throw new IllegalStateException(
            what + " called on " + Thread.currentThread().getName()
                + ", a loop of the context it would wait for; use closeAsync()");
      }
    }
  }

  @Override
  public boolean isClosing() {
    return state != OPEN;
  }

  // ---------------------------------------------------------------- the rest

  @Override
  public List<AoInfo> liveOperations() {
    List<AoInfo> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    for (LoopState ls : loopStates) {
      if (ls.loop.inLoop()) {
        out.addAll(ls.snapshot());
        continue;
      }
      if (ls.loop.isTerminated()) {
        continue; // stopped once nothing was live; a task posted to it now would be dropped
      }
      CompletableFuture<List<AoInfo>> f = new CompletableFuture<>();
      ls.loop.execute(() -> f.complete(ls.snapshot()));
      try {
        out.addAll(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (TimeoutException | ExecutionException e) {
        Log.warn(ls.loop + " did not answer liveOperations() in time");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return out;
  }

  @Override
  public List<AoLoop> loops() {
    return loopList;
  }

  /** The loops as this package drives them (manual mode in tests). */
  EventLoop loop(int i) {
    return loops[i];
  }

  @Override
  public Ticker ticker() {
    return ticker;
  }

  @Override
  public String name() {
    return name;
  }

  boolean strict() {
    return strict;
  }

  void reportLeak(String message) {
    Log.warn(message);
    runSafely(() -> leakListener.accept(message), "leak listener");
  }

  private static void runSafely(Runnable r, String what) {
    try {
      r.run();
    } catch (Throwable e) { // an Error or a sneaked checked exception too: close must go on
      UserCode.rethrowIfFatal(e);
      Log.userCodeThrew(what, e);
    }
  }

  @Override
  public String toString() {
    return "AoContext[" + name + ", loops=" + loops.length
        + (state == OPEN ? "" : ", closing" + (terminated.isDone() ? ", terminated" : "")) + "]";
  }
}
