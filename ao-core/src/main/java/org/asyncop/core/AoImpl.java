package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.asyncop.core.internal.EventLoop;
import org.asyncop.core.internal.Log;
import org.asyncop.core.internal.SerialExecutor;
import org.jspecify.annotations.Nullable;

/**
 * The operation.
 *
 * <p>Overview. Requests arrive from any thread; everything they set in motion runs on the loop.
 * The only cross-thread state is {@link #state} (a bit set changed by CAS), the cancel reason,
 * the counts of progress reports and of registrations on their way to the loop, and each
 * registration's own state ({@link HookNode}). Everything else (the hook stack, the children,
 * the count of registrations that hold back the outcome, the outcome itself) is confined to the
 * loop, so no lock is ever held while user code runs.
 *
 * <p>The outcome is delivered, in a loop task of its own, once the loop has seen the completion
 * and no registration is left (`live == 0`) and no hook drain is pending, after every
 * registration pushed from another thread has reached the loop, and after every progress report
 * made before the completion.
 */
final class AoImpl<T> implements Ao<T>, Runnable {
  /*
   * state: bits that are only ever added.
   *   CANCEL     a cancel was requested (cancel(), cancel(reason), a parent's cancel)
   *   FORCE      a forced cancel was requested (cancelNow()); implies CANCEL
   *   DONE       complete/fail/cancelled was called: the outcome is fixed; set exactly once
   *   DELIVERED  the outcome was handed over (set on the loop)
   * Named states: RUNNING (no bit), CANCELLING (CANCEL, no DONE), COMPLETING (DONE, not DELIVERED),
   * COMPLETED (DELIVERED).
   * Invariants: DONE is set by exactly one completing call, which then hands its outcome to the
   * loop; DELIVERED implies DONE; after DONE, CANCEL is newly set only with FORCE (cancel()
   * returns false): FORCE may still be set until DELIVERED, to reach shielded cleanup that
   * outlives completion.
   */
  static final int CANCEL = 1;
  static final int FORCE = 2;
  static final int DONE = 4;
  static final int DELIVERED = 8;

  /** startNanos of an operation begun on another thread that its loop has not listed yet. */
  private static final long UNSTAMPED = Long.MIN_VALUE;

  private static final VarHandle STATE;
  private static final VarHandle REASON;
  private static final VarHandle REPORTS;
  private static final VarHandle LINKS;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(AoImpl.class, "state", int.class);
      REASON = l.findVarHandle(AoImpl.class, "cancelReason", Throwable.class);
      REPORTS = l.findVarHandle(AoImpl.class, "reportsInFlight", int.class);
      LINKS = l.findVarHandle(AoImpl.class, "linksInFlight", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final ContextImpl ctx;
  final EventLoop loop;
  private final AoHow<T> how;
  /** This operation's registration on its parent; null for a top-level operation. */
  private @Nullable ChildLink parentLink;
  /** When this operation began or its loop first saw it (for age() only), or UNSTAMPED. */
  private long startNanos;

  private volatile int state;
  /** The reason of the first cancel that gave one; set once. */
  private volatile @Nullable Throwable cancelReason;
  /**
   * Progress reports accepted (made before DONE) whose loop task has not run yet. The delivery
   * waits for them: such a task may sit behind the delivery task (the loop alternates between
   * tasks from other threads and its own), and a report made before the completion must reach the
   * caller before the outcome. The last of them to run posts the delivery again.
   */
  private volatile int reportsInFlight;
  /**
   * Registrations pushed from other threads before the completion whose link task has not run
   * yet. The delivery waits for them: the completion may reach the loop ahead of such a task (a
   * driver's callback, or a task of the loop's own queue), and a resource registered before the
   * completion must be cancelled, and an attached one released, before the outcome goes. A push
   * counts itself, then reads DONE, and uncounts itself if it was set (it raced the end, and
   * pushes that go on after it must not keep the delivery waiting); its link task then looks at
   * the delivery again, in case the loop saw it counted for that moment.
   */
  private volatile int linksInFlight;

  // ---- confined to the loop ----
  private @Nullable HookNode top; // hook stack, newest first
  private @Nullable HookNode firstChild; // nested operations, newest first
  private int live; // registrations that hold back the outcome
  private boolean drainQueued;
  /**
   * The loop has seen a cancel request. The loop decides from what it has seen, not from the
   * state bits, which other threads may have set ahead of the tasks still queued: otherwise a
   * hook whose link task is still queued behind the request would fire alone, out of LIFO order.
   */
  private boolean cancelSeen;
  private @Nullable Outcome<T> outcome; // set when the loop has seen the completion
  private @Nullable List<Throwable> hookErrors;
  private boolean handedOver; // run() delivered and read hookErrors: later errors can only be logged
  private @Nullable List<String> abandoned;
  private @Nullable SerialExecutor delivery;
  /** Links in the loop's list of live top-level operations (see LoopState). */
  @Nullable AoImpl<?> prevLive;

  @Nullable AoImpl<?> nextLive;

  /** Where this top-level operation stands in that list: LoopState.NEW, LISTED or GONE. */
  byte listing;

  AoImpl(ContextImpl ctx, EventLoop loop, AoHow<T> how) {
    this.ctx = ctx;
    this.loop = loop;
    this.how = how;
    // on the loop, one clock read serves every operation begun in a batch; an operation begun on
    // another thread is stamped when its loop lists it (a clock read costs more than the rest of
    // a begin on these machines, and an age is only ever read for diagnostics)
    startNanos = loop.inLoop() ? loop.batchNanoTime() : UNSTAMPED;
  }

  /** Loop: a top-level operation begun on another thread reaches its loop. */
  void arrived() {
    if (startNanos == UNSTAMPED) {
      startNanos = loop.batchNanoTime();
    }
  }

  // ---------------------------------------------------------------- registrations

  @Override
  public Registration onCancel(CancelHook hook) {
    return push(new PlainHook(this, requireNonNull(hook, "hook"), false));
  }

  @Override
  public Registration attach(CancelHook hook) {
    return push(new PlainHook(this, requireNonNull(hook, "hook"), true));
  }

  @Override
  public Registration onCancel(HookNode node) {
    requireNonNull(node, "node");
    if (node.ao != this) {
      throw new IllegalArgumentException("node belongs to " + node.ao + ", not to " + this);
    }
    return push(node);
  }

  private HookNode push(HookNode n) {
    if (loop.inLoop()) {
      link(n);
      return n;
    }
    boolean counted = reserveLink();
    if (!loop.tryExecute(() -> linkArrived(n, counted))) { // close() before that: never linked
      if (counted) {
        LINKS.getAndAdd(this, -1);
      }
      // the loop is gone (an operation kept after its context closed): a registration would
      // have been cancelled at once, but nothing can run it any more; the caller must know now
      throw new IllegalStateException(
          "context " + ctx.name() + " has stopped; nothing can be registered on " + this);
    }
    return n;
  }

  /**
   * Any thread: counts a registration on its way to the loop in {@link #linksInFlight}, unless
   * the operation has completed (then nothing waits for it, see there).
   *
   * @return whether it was counted; pass it to {@link #reservedLinkEnded}
   */
  boolean reserveLink() {
    LINKS.getAndAdd(this, 1);
    if ((state & DONE) == 0) {
      return true;
    }
    LINKS.getAndAdd(this, -1);
    return false;
  }

  /**
   * Loop: a registration counted by {@link #reserveLink} has been linked, or will never be. Looks
   * at the delivery even when it was not counted: the loop may have seen the count in the moment
   * between reserveLink's two adds.
   */
  void reservedLinkEnded(boolean counted) {
    if (counted) {
      LINKS.getAndAdd(this, -1);
    }
    maybeDeliver();
  }

  /** Loop: a registration pushed from another thread arrives; the delivery may wait for it. */
  private void linkArrived(HookNode n, boolean counted) {
    link(n);
    reservedLinkEnded(counted);
  }

  /** Loop: links a registration and, when the operation is already ending, has it fire soon. */
  void link(HookNode n) {
    if (n.has(HookNode.COUNTED) || n.stateAcquire() == HookNode.CLOSED) {
      return; // pushed already, or closed before it was linked
    }
    n.set((byte) (HookNode.COUNTED | HookNode.IN_STACK));
    live++;
    n.prev = null;
    if (n instanceof ChildLink) {
      n.next = firstChild;
      if (firstChild != null) {
        firstChild.prev = n;
      }
      firstChild = n;
    } else {
      n.next = top;
      if (top != null) {
        top.prev = n;
      }
      top = n;
    }
    if (cancelSeen || outcome != null) {
      scheduleDrain();
    }
  }

  /**
   * Loop: releases a node that moved to CLOSED; it no longer holds back the outcome. Called by
   * whoever closed it, so at most twice (a close on the loop racing one from another thread);
   * RELEASED makes the second call do nothing.
   */
  void release(HookNode n) {
    if (n.has(HookNode.RELEASED)) {
      return;
    }
    n.set(HookNode.RELEASED);
    if (n.has(HookNode.IN_STACK)) {
      unlink(n);
    }
    n.callReleased();
    if (n.has(HookNode.COUNTED)) {
      n.clear(HookNode.COUNTED);
      live--;
      maybeDeliver();
    }
  }

  private void unlink(HookNode n) {
    HookNode p = n.prev;
    HookNode x = n.next;
    if (p != null) {
      p.next = x;
    } else if (n instanceof ChildLink) {
      firstChild = x;
    } else {
      top = x;
    }
    if (x != null) {
      x.prev = p;
    }
    n.prev = null;
    n.next = null;
    n.clear(HookNode.IN_STACK);
  }

  // ---------------------------------------------------------------- cancel

  @Override
  public boolean cancel() {
    return request(CANCEL);
  }

  @Override
  public boolean cancel(Throwable reason) {
    requireNonNull(reason, "reason");
    if ((state & DONE) == 0) {
      REASON.compareAndSet(this, null, reason);
    }
    return request(CANCEL);
  }

  @Override
  public boolean cancelNow() {
    return request(CANCEL | FORCE);
  }

  /** Sets {@code bits}; true if this call set the strongest of them. */
  private boolean request(int bits) {
    int want = (bits & FORCE) != 0 ? FORCE : CANCEL;
    for (; ; ) {
      int s = state;
      if ((s & want) != 0 || (s & DELIVERED) != 0 || (want == CANCEL && (s & DONE) != 0)) {
        return false;
      }
      // after completion only a forced cancel may still be added (to reach shielded cleanup);
      // it brings CANCEL along, as FORCE implies CANCEL
      if (STATE.compareAndSet(this, s, s | bits)) {
        break;
      }
    }
    if (loop.inLoop()) {
      cancelSeen();
    } else {
      loop.execute(this::cancelSeen);
    }
    return true;
  }

  /** Loop: a cancel request arrived. */
  private void cancelSeen() {
    cancelSeen = true;
    scheduleDrain();
  }

  /** Loop: queues one drain of the hooks, to run as a task of its own. */
  private void scheduleDrain() {
    if (!drainQueued) {
      drainQueued = true;
      loop.execute(this::drain);
    }
  }

  /** Loop: cancels children, then pops and runs the hooks, newest first. */
  private void drain() {
    drainQueued = false;
    if (!cancelSeen && outcome == null) {
      return;
    }
    boolean forced = (state & FORCE) != 0;
    for (HookNode c = firstChild; c != null; ) {
      HookNode next = c.next;
      if (c.stateAcquire() != HookNode.CLOSED) {
        fireSafely(c, forced);
      }
      c = next;
    }
    HookNode n;
    while ((n = top) != null) {
      unlink(n);
      if (!n.casState(HookNode.ARMED, HookNode.FIRED)) {
        continue; // closed meanwhile; its posted release uncounts it
      }
      fireSafely(n, forced);
      if (!n.has(HookNode.ATTACHED) && n.casState(HookNode.FIRED, HookNode.CLOSED)) {
        release(n);
      }
    }
    maybeDeliver();
  }

  /** Loop: the outcome was handed over; nothing registered now can hold it back. */
  boolean handedOver() {
    return handedOver;
  }

  private void fireSafely(HookNode n, boolean forced) {
    try {
      n.fire(forced);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      if (handedOver) { // a hook registered after the end: no outcome left to carry its error
        Log.userCodeThrew("cancel hook of " + this + ", run after its outcome was delivered,", e);
        return;
      }
      if (hookErrors == null) {
        hookErrors = new ArrayList<>(2);
      }
      hookErrors.add(e);
    }
  }

  /** Loop: a forced cancel abandoned a shielded child's cleanup. */
  void abandoned(String purpose) {
    if (abandoned == null) {
      abandoned = new ArrayList<>(2);
    }
    abandoned.add(purpose);
  }

  @Override
  public boolean isCancelRequested() {
    return (state & CANCEL) != 0;
  }

  @Override
  public boolean isCancelNowRequested() {
    return (state & FORCE) != 0;
  }

  // ---------------------------------------------------------------- completion

  @Override
  public void complete(@Nullable T value) {
    finish(Outcome.ok(value));
  }

  @Override
  public void fail(Throwable cause) {
    finish(Outcome.failed(requireNonNull(cause, "cause")));
  }

  @Override
  public void cancelled() {
    finish(Outcome.cancelled(cancelReason));
  }

  @Override
  public void cancelled(@Nullable T kept) {
    finish(Outcome.cancelled(cancelReason, kept));
  }

  private void finish(Outcome<T> o) {
    boolean inLoop = loop.inLoop();
    // On the loop with nothing registered, none on its way and no drain pending, nothing can
    // hold the outcome back (only the loop links): fix it and hand it over in one CAS.
    boolean now = inLoop && live == 0 && !drainQueued && linksInFlight == 0;
    int bits = now ? DONE | DELIVERED : DONE;
    for (; ; ) {
      int s = state;
      if ((s & DONE) != 0) {
        throw new IllegalStateException("already completed: " + this + "; second outcome " + o);
      }
      if (STATE.compareAndSet(this, s, s | bits)) {
        break;
      }
    }
    if (now) {
      outcome = o;
      loop.execute(this);
    } else if (inLoop) {
      completed(o);
    } else {
      loop.execute(() -> completed(o));
    }
  }

  /** Loop: the completion has arrived; cancel what is still registered, then deliver. */
  private void completed(Outcome<T> o) {
    outcome = o;
    if (top != null || firstChild != null) {
      scheduleDrain();
    } else {
      maybeDeliver();
    }
  }

  @Override
  public boolean isDone() {
    return (state & DONE) != 0;
  }

  /** Loop: delivers once completed and nothing holds the outcome back. */
  private void maybeDeliver() {
    if (outcome == null || live != 0 || drainQueued || linksInFlight != 0) {
      return;
    }
    int s;
    do {
      s = state;
      if ((s & DELIVERED) != 0) {
        return;
      }
    } while (!STATE.compareAndSet(this, s, s | DELIVERED));
    loop.execute(this);
  }

  /**
   * Loop: the delivery task, posted once by {@link #maybeDeliver} (or finish), and again by the
   * last progress report it waited for. The operation is its own task so that delivering
   * allocates nothing; {@code handedOver} makes a second run (also one through a cast, as the type
   * is not public), or a run before it was posted, do nothing.
   */
  @Override
  public void run() {
    if (!loop.inLoop() || handedOver || (state & DELIVERED) == 0 || reportsInFlight != 0) {
      return; // (the last report in flight posts this again)
    }
    handedOver = true;
    Outcome<T> o = requireNonNull(outcome).with(orEmpty(hookErrors), orEmpty(abandoned));
    if (how.executor() == null) {
      deliverOutcome(o); // we are in a loop task of our own; no closure to allocate
    } else {
      toCaller(() -> deliverOutcome(o));
    }
    ChildLink link = parentLink;
    if (link == null) {
      ctx.delivered(this);
    } else {
      link.close(); // after the parent's code heard the outcome: the parent may deliver now
    }
  }

  private void deliverOutcome(Outcome<T> o) {
    try {
      how.deliverOutcome(o);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      Log.userCodeThrew("completion callback of " + this, e);
    }
  }

  private static <E> List<E> orEmpty(@Nullable List<E> l) {
    return l == null ? List.of() : l;
  }

  /** Loop: runs {@code d} on the loop (now) or on the caller's executor, in order. */
  private void toCaller(Runnable d) {
    Executor ex = how.executor();
    if (ex == null) {
      d.run();
      return;
    }
    if (delivery == null) {
      delivery = new SerialExecutor(ex, loop);
    }
    delivery.execute(d);
  }

  // ---------------------------------------------------------------- progress

  @Override
  public void reportProgress(Progress progress) {
    requireNonNull(progress, "progress");
    if (!how.wantsProgress() || (state & DONE) != 0) {
      return;
    }
    REPORTS.getAndAdd(this, 1);
    loop.execute(() -> {
      int left = (int) REPORTS.getAndAdd(this, -1) - 1;
      // a report that raced a completion may be counted only after run() handed the outcome
      // over: the outcome is the last thing the caller hears, so that report is dropped
      if (!handedOver) {
        toCaller(() -> deliverProgress(progress));
        if (left == 0 && (state & DELIVERED) != 0) {
          loop.execute(this); // the delivery waited for this report (or is queued: runs once)
        }
      }
    });
  }

  private void deliverProgress(Progress progress) {
    try {
      how.deliverProgress(progress);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      Log.userCodeThrew("progress listener of " + this, e);
    }
  }

  // ---------------------------------------------------------------- nesting

  @Override
  public <U> Ao<U> nest(Consumer<Outcome<U>> done) {
    return nested(requireNonNull(done, "done"), false, "nested");
  }

  @Override
  public <U> Ao<U> nestShielded(String purpose, Consumer<Outcome<U>> done) {
    requireNonNull(purpose, "purpose");
    return nested(requireNonNull(done, "done"), true, purpose);
  }

  private <U> Ao<U> nested(Consumer<Outcome<U>> done, boolean shielded, String purpose) {
    AoHow<U> childHow = AoHow.callback(done); // named by its link: see name()
    AoImpl<U> child = new AoImpl<>(ctx, loop, childHow);
    if (child.startNanos == UNSTAMPED) { // nested from another thread: rare, stamp it here
      child.startNanos = ctx.ticker().nanoTime();
    }
    childHow.bind(child);
    ChildLink link = new ChildLink(this, child, shielded, purpose);
    child.parentLink = link;
    push(link);
    return child;
  }

  // ---------------------------------------------------------------- the rest

  @Override
  public CancelHandle handle() {
    return new HandleImpl(this, ctx);
  }

  @Override
  public AoLoop loop() {
    return loop;
  }

  @Override
  public AoContext context() {
    return ctx;
  }

  @Override
  public void execute(Runnable task) {
    loop.execute(requireNonNull(task, "task"));
  }

  String name() {
    String n = how.name();
    if (n != null) {
      return n;
    }
    ChildLink link = parentLink; // a nested operation: named after its parent and purpose
    return link != null
        ? link.ao.name() + "/" + link.purpose
        : "ao@" + Integer.toHexString(System.identityHashCode(this));
  }

  /** The named state, from the state bits. */
  String stateName() {
    int s = state;
    if ((s & DELIVERED) != 0) {
      return "COMPLETED";
    }
    if ((s & DONE) != 0) {
      return "COMPLETING";
    }
    return (s & CANCEL) != 0 ? "CANCELLING" : "RUNNING";
  }

  /** Loop (or racy, for diagnostics only): a snapshot for liveOperations(). */
  AoInfo info() {
    return new AoInfo(name(), stateName(), age(), live);
  }

  private Duration age() {
    long start = startNanos;
    return start == UNSTAMPED ? Duration.ZERO : Duration.ofNanos(ctx.ticker().nanoTime() - start);
  }

  /** Diagnostics; {@code hooks} is read racily when called off the loop. */
  @Override
  public String toString() {
    long ms = age().toMillis();
    return "Ao[" + name() + ", state=" + stateName() + ", hooks=" + live
        + ", age=" + ms / 1000 + "." + (ms % 1000) / 100 + "s]";
  }
}
