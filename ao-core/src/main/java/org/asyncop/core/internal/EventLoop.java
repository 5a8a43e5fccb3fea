package org.asyncop.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.asyncop.core.AoLoop;
import org.asyncop.core.LoopDriver;
import org.asyncop.core.LoopWaiter;
import org.asyncop.core.Ticker;
import org.asyncop.core.UserCode;
import org.jspecify.annotations.Nullable;

/**
 * One event loop: a thread that runs posted tasks one at a time and polls its drivers in between.
 *
 * <p>Either started as a thread of its own ({@link #start()}) or driven by hand with {@link
 * #runPending()} (deterministic tests; the calling thread then counts as the loop's thread).
 */
public final class EventLoop implements AoLoop {
  /*
   * Two queues. Tasks posted by the loop's own thread go to `local`, a LocalQueue: that is the hot
   * path of workflow code (hooks, deliveries, progress), and it needs no atomics. Tasks from
   * other threads go to `inbox`, a lock-free MPSC-safe queue. Each keeps FIFO per posting thread;
   * the loop alternates between them so neither starves the other.
   *
   * Parking: the loop publishes `parked = true`, re-checks `inbox`, and parks; a poster offers to
   * `inbox`, then reads `parked`. Both are volatile (sequentially consistent), so at least one side
   * sees the other: either the loop finds the task before parking, or the poster unparks it.
   *
   * Waiting through a LoopWaiter (a Selector, set by a module such as ao-watch's Channels): park()
   * calls waiter.await() where it would park the thread, and a poster calls waiter.wakeup() where it
   * would unpark it. The protocol stays the same, and so does the argument, provided the poster
   * reads `parked` before `waiter` and the wakeup is sticky. Take one wait W: the loop writes
   * `waiter` (set or remove, on the loop thread, never during a wait), then `parked = true`, then
   * reads `inbox`, then awaits. A poster P offers, then reads `parked`, then `waiter`. In the
   * single total order of volatile accesses: if P's read of `parked` comes before W's write of
   * true, P's offer does too, so W's re-check finds the task and W does not wait. If it comes after
   * and sees true, P's read of `waiter` comes after W's `parked` write and so after the last change
   * of `waiter` before W: P wakes the very waiter W awaits on (or unparks the thread when there is
   * none). That wakeup lands before W's await starts, which then returns at once (sticky: a
   * Selector's wakeup before select(), an unpark permit before park()), or during it, which ends
   * it. If P sees false, W (or a later wait) has not yet re-checked, or has ended: the loop runs
   * the task before it waits again. A stale wakeup (P read `parked` of a wait that has ended)
   * makes some later wait return early, which is harmless. A selectNow() by a driver between waits
   * clears a pending Selector wakeup; that too is harmless, since every wait re-checks first.
   * A waiter whose await throws is removed (same order: `waiter = null` before the next `parked =
   * true`); one whose wakeup throws is followed by an unpark, in case the loop was parking.
   *
   * Drivers are polled in one pass after each batch, and the loop then waits as long as the
   * least of their answers. A driver's poll may run user code (a selector's readiness callbacks)
   * that changes what another driver waits for (sets a timer). That code calls wakeup() on the
   * loop's thread, which sets `pollAgain`: the drivers after it in the pass get a clock read
   * after that code ran (a timer stamped with the pass's first reading would be early), and the
   * loop does not wait on answers given before the change (a driver polled earlier in the pass
   * would not be asked again, and the timer would be late); it runs its queues and polls again.
   *
   * Stop: `stopRequested` is set by the context once nothing of it is left; the loop runs what is
   * queued until both queues are empty, then exits. A task posted after that is logged and dropped.
   */
  private static final int BATCH = 256;

  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final LocalQueue local = new LocalQueue();
  private final String threadName;
  private final int index;
  private final Ticker ticker;
  private final Runnable onExit;

  private volatile @Nullable Thread thread;
  private volatile boolean parked;
  private volatile boolean stopRequested;
  /** How the loop waits; null to park its thread. Written on the loop thread only, between waits. */
  private volatile @Nullable LoopWaiter waiter;
  private volatile boolean terminated;

  // loop-confined
  private LoopDriver[] drivers = new LoopDriver[0];
  /** The time read for the current batch of tasks, or NOT_READ; see batchNanoTime(). */
  private long batchNanos = NOT_READ;
  /** wakeup() was called on the loop's thread since the drivers' pass began; see the overview. */
  private boolean pollAgain;

  private static final long NOT_READ = Long.MIN_VALUE;

  /**
   * @param onExit run on the loop's thread after it ran its last task
   */
  public EventLoop(String threadName, int index, Ticker ticker, Runnable onExit) {
    this.threadName = requireNonNull(threadName, "threadName");
    this.index = index;
    this.ticker = requireNonNull(ticker, "ticker");
    this.onExit = requireNonNull(onExit, "onExit");
  }

  /** Starts the loop's own thread. */
  public void start() {
    Thread t = new Thread(this::run, threadName);
    t.setDaemon(true); // a context left open must not keep the JVM alive
    thread = t;
    t.start();
  }

  /** The loop's thread: its own, or the thread now running {@link #runPending()}. */
  public @Nullable Thread thread() {
    return thread;
  }

  @Override
  public void execute(Runnable task) {
    if (!tryExecute(task)) {
      Log.warn(threadName + " has stopped; task dropped: " + task);
    }
  }

  /**
   * Like {@link #execute}, saying whether the loop took the task: false once the loop has stopped
   * (the task is then dropped, and will never run). Any thread.
   */
  public boolean tryExecute(Runnable task) {
    requireNonNull(task, "task");
    if (Thread.currentThread() == thread) {
      local.add(task);
      return true;
    }
    inbox.offer(task);
    if (parked) {
      wakeup();
    }
    // the loop runs what it finds after it marked itself terminated, so a task it did not take
    // is still there for us to remove, and one we could not remove has run or will run
    return !(terminated && inbox.remove(task));
  }

  @Override
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  @Override
  public int index() {
    return index;
  }

  @Override
  public long nanoTime() {
    return ticker.nanoTime();
  }

  /**
   * Loop thread: the time, read from the ticker at most once per batch of tasks (at the first
   * call in the batch). For diagnostics such as an operation's age, where reading the clock for
   * each of many operations begun in one batch would cost more than the operations themselves.
   */
  public long batchNanoTime() {
    long t = batchNanos;
    if (t == NOT_READ) {
      t = ticker.nanoTime();
      batchNanos = t;
    }
    return t;
  }

  @Override
  public void addDriver(LoopDriver driver) {
    requireNonNull(driver, "driver");
    if (!inLoop()) {
      throw new IllegalStateException("addDriver must be called on the loop's thread " + threadName);
    }
    drivers = Arrays.copyOf(drivers, drivers.length + 1);
    drivers[drivers.length - 1] = driver;
  }

  @Override
  public void wakeup() {
    Thread t = thread;
    if (t == null) {
      return;
    }
    if (Thread.currentThread() == t) {
      pollAgain = true; // before the drivers' pass: cleared by it; during it: see the overview
      return;
    }
    LoopWaiter w = waiter; // read after `parked` (see the overview)
    if (w == null) {
      LockSupport.unpark(t);
      return;
    }
    try {
      w.wakeup();
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      Log.userCodeThrew("wakeup of loop waiter " + w, e);
      LockSupport.unpark(t);
    }
  }

  @Override
  public void setWaiter(LoopWaiter waiter) {
    requireNonNull(waiter, "waiter");
    if (!inLoop()) {
      throw new IllegalStateException("setWaiter must be called on the loop's thread " + threadName);
    }
    LoopWaiter w = this.waiter;
    if (w != null) {
      throw new IllegalStateException(threadName + " already waits through " + w);
    }
    this.waiter = waiter;
  }

  @Override
  public boolean removeWaiter(LoopWaiter waiter) {
    requireNonNull(waiter, "waiter");
    if (!inLoop()) {
      throw new IllegalStateException(
          "removeWaiter must be called on the loop's thread " + threadName);
    }
    if (this.waiter != waiter) {
      return false;
    }
    this.waiter = null;
    return true;
  }

  /** Asks the loop to stop once its queues are empty. Safe from any thread. */
  public void stop() {
    stopRequested = true;
    wakeup();
  }

  /** Whether the loop has run its last task. */
  public boolean isTerminated() {
    return terminated;
  }

  /**
   * Manual mode: runs queued tasks and due drivers on the calling thread until nothing is left.
   *
   * @return how many tasks ran
   */
  public int runPending() {
    Thread me = Thread.currentThread();
    Thread before = thread;
    thread = me;
    try {
      int ran = 0;
      int n;
      do {
        n = runBatch();
        ran += n;
        pollDrivers();
      } while (n > 0 || !local.isEmpty() || !inbox.isEmpty());
      return ran;
    } finally {
      thread = before;
    }
  }

  private void run() {
    try {
      while (true) {
        runBatch();
        long wait = pollDrivers();
        if (local.isEmpty() && inbox.isEmpty()) {
          if (stopRequested) {
            break;
          }
          park(wait);
        }
      }
    } finally {
      terminated = true;
      runLeftovers();
      try {
        onExit.run();
      } catch (RuntimeException e) {
        Log.userCodeThrew(threadName + " exit action", e);
      }
    }
  }

  /** Tasks that raced the stop still run, so that nothing posted before termination is lost. */
  private void runLeftovers() {
    while (runBatch() > 0) {
      // keep going until both queues are empty
    }
  }

  private void park(long waitNanos) {
    LoopWaiter w = waiter;
    parked = true;
    try {
      if (inbox.isEmpty() && !stopRequested && waitNanos > 0) {
        if (w != null) {
          awaitSafely(w, waitNanos);
        } else if (waitNanos == LoopDriver.IDLE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, waitNanos);
        }
      }
    } finally {
      parked = false;
    }
  }

  /** A waiter that throws is removed: it would most likely throw again at every wait. */
  private void awaitSafely(LoopWaiter w, long waitNanos) {
    try {
      w.await(waitNanos);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      waiter = null;
      Log.userCodeThrew("loop waiter " + w + " (removed; the loop parks its thread instead)", e);
    }
  }

  private int runBatch() {
    batchNanos = NOT_READ;
    int ran = 0;
    for (; ran < BATCH; ran++) {
      Runnable t;
      if ((ran & 1) == 0) {
        t = local.poll();
        if (t == null) {
          t = inbox.poll();
        }
      } else {
        t = inbox.poll();
        if (t == null) {
          t = local.poll();
        }
      }
      if (t == null) {
        break;
      }
      runSafely(t);
    }
    return ran;
  }

  private long pollDrivers() {
    pollAgain = false;
    LoopDriver[] ds = drivers;
    if (ds.length == 0) {
      return LoopDriver.IDLE;
    }
    long now = ticker.nanoTime();
    long wait = LoopDriver.IDLE;
    for (LoopDriver d : ds) {
      if (pollAgain) { // an earlier driver's code ran and took time: give this one the time now
        now = ticker.nanoTime();
      }
      try {
        wait = Math.min(wait, d.poll(now));
      } catch (Throwable e) {
        UserCode.rethrowIfFatal(e);
        Log.userCodeThrew("loop driver " + d, e);
      }
    }
    return pollAgain ? 0 : wait;
  }

  private void runSafely(Runnable task) {
    try {
      task.run();
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      Log.userCodeThrew("task " + task, e);
    }
  }

  @Override
  public String toString() {
    return "EventLoop[" + threadName + (terminated ? ", terminated" : "") + "]";
  }
}
