package org.asyncop.process;

import static org.asyncop.process.internal.Native.LIBC;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jnr.ffi.Pointer;
import org.asyncop.process.internal.GroupSweep;
import org.asyncop.process.internal.Native;

/*
 * The reaper of one context: one thread that waits, in a single epoll set (EpollSet), on
 *   - an eventfd that other threads write to hand it work (a child with pipes, an exit seen by a
 *     fallback waiter, the start of the close);
 *   - one pidfd per child (pidfd_open): readable once the child has exited, before it is reaped;
 *   - the parent ends of the children's pipes (stdin being written, stdout/stderr captured).
 * Its wait timeout is the earliest deadline: the end of the bounded wait for pipes after an exit,
 * the next retry of a group sweep. (The SIGKILL after a grace period is an ao-timers timer; see
 * ChildImpl.)
 *
 * Hand-over: the spawning thread puts the child in `byId` and adds its pidfd to the epoll set
 * itself, so a child without pipes (output discarded, inherited or to a file) costs the reaper no
 * wake-up until it exits. A child with pipes is posted to the reaper, which adds the pipes itself:
 * ChildPipes is then touched by one thread only. Ids are never reused, so an event that comes
 * late for a forgotten child finds nothing in `byId` and is dropped.
 *
 * Why pidfd: it names exactly one process, so the reaper waits only for pids this library spawned
 * (never waitpid(-1), which would steal java.lang.Process's children), and all of a context's
 * children share one thread, whatever their number. Readiness comes before the reap, which is
 * the moment the leader is a zombie and its group id is still reserved: that is when the rest of
 * the group is killed (killGroupOnExit, or after a cancel) and, with the subreaper on, reaped.
 * Where pidfd_open fails (ENOSYS on kernels before 5.3, or EMFILE), or the epoll set refuses the
 * pidfd, the child gets a small thread that blocks in waitid(P_PID, pid, WEXITED | WNOWAIT) - it
 * waits without reaping - and then hands the child to the reaper as if its pidfd had become
 * readable.
 *
 * Per child: RUNNING -> EXITED (leader zombie; group killed; with the subreaper, members reaped,
 * retried every millisecond until the group is empty or the output wait ends) -> REAPED (status
 * taken under the child's monitor, see ChildImpl) -> pipes read to end of file, or closed when
 * the output wait ends -> ChildExit posted to the ao's loop; the loop runs the callback and then
 * closes the ao's registration, so the ao's outcome comes after the reap.
 *
 * Stop: once close began and no child is left, the reaper marks itself stopped under the write
 * side of `registry` (spawns hold its read side around posix_spawn and the hand-over, so no child
 * can be spawned after the last check) and its thread ends; terminated() completes after that.
 */
final class Reaper implements Runnable {
  private static final int EVENT_PIPES = 0;
  private static final int EVENT_EXITED = 1;
  private static final int BUF = 64 * 1024;
  private static final long SWEEP_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long LINGER_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Event(ChildImpl child, int kind) {}

  final boolean usePidfd;
  private final String name;
  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final int wakeFd;
  /** /dev/null, read-write, shared by the spawns of this context; closed after the stop. */
  final int devNull;
  private final Pointer one = Native.allocate(8);
  private final EpollSet epoll;
  private final AtomicLong lastId = new AtomicLong();
  /** Fallback waiter threads started so far (diagnostics: none where pidfd works). */
  private final AtomicLong waitersStarted = new AtomicLong();
  /**
   * Every child handed over and not yet delivered, by id: put by the spawning thread before its
   * pidfd enters the epoll set (so that an event always finds it), removed by the reaper.
   */
  private final ConcurrentHashMap<Long, ChildImpl> byId = new ConcurrentHashMap<>();
  /**
   * Spawns hold the read side around posix_spawn and the hand-over (so they run in parallel); the
   * stop and the lingering sweeps hold the write side, so that they see every spawned child.
   */
  final ReentrantReadWriteLock registry = new ReentrantReadWriteLock();
  /** Written under registry's write side, read under its read side. */
  private boolean stopped;
  /** Pids of our live group leaders, which no group sweep may reap. */
  final Set<Integer> leaders = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;
  final CompletableFuture<Void> terminated = new CompletableFuture<>();

  // ---- confined to the reaper thread ----
  /** Children whose leader has exited, in the order their exits were seen. */
  private final List<ChildImpl> exited = new ArrayList<>();
  /** Groups whose leader was reaped while members were still alive (subreaper only). */
  private final List<Integer> lingering = new ArrayList<>();
  private long nextLingerSweep = Long.MAX_VALUE;
  private final Pointer buf = Native.allocate(BUF);
  private final Pointer siginfo = Native.allocate(Native.SIGINFO_SIZE);

  Reaper(String name, boolean usePidfd) {
    this.name = name;
    this.usePidfd = usePidfd;
    this.wakeFd = LIBC.eventfd(0, Native.O_CLOEXEC | Native.O_NONBLOCK);
    if (wakeFd < 0) {
      throw new IllegalStateException("eventfd failed: " + Native.describe(Native.errno()));
    }
    this.devNull = LIBC.open("/dev/null", Native.O_RDWR | Native.O_CLOEXEC, 0);
    if (devNull < 0) {
      int e = Native.errno();
      LIBC.close(wakeFd);
      throw new IllegalStateException("cannot open /dev/null: " + Native.describe(e));
    }
    try {
      this.epoll = new EpollSet();
    } catch (IllegalStateException e) {
      LIBC.close(wakeFd);
      LIBC.close(devNull);
      throw e;
    }
    int err = epoll.add(wakeFd, Native.EPOLLIN, EpollSet.WAKE_KEY);
    if (err != 0) {
      epoll.close();
      LIBC.close(wakeFd);
      LIBC.close(devNull);
      throw new IllegalStateException("cannot watch the reaper's eventfd: " + Native.describe(err));
    }
    one.putLong(0, 1);
    Thread thread = new Thread(this, name + "-reaper");
    thread.setDaemon(true);
    thread.start();
  }

  /** Spawning thread, under registry's read side: whether new children may still be handed over. */
  boolean acceptsChildren() {
    return !stopped;
  }

  /** A fresh id for a child about to be spawned; never 0 (the wake-up's key). */
  long newId() {
    return lastId.incrementAndGet();
  }

  /**
   * Spawning thread, under registry's read side: takes over a freshly spawned child. Its pidfd
   * goes straight into the epoll set; only a child with pipes wakes the reaper.
   */
  void add(ChildImpl c) {
    leaders.add(c.pid);
    byId.put(c.id, c);
    long key = EpollSet.key(c.id, EpollSet.PIDFD);
    // read once: from its entry into the set on, c.pidfd is the reaper's, which sets it to -1 when
    // the child exits, maybe before this thread goes on (that is no reason for a waiter thread)
    int pidfd = c.pidfd;
    if (pidfd >= 0 && epoll.add(pidfd, Native.EPOLLIN, key) != 0) {
      LIBC.close(pidfd); // ENOMEM or no watches left: a waiter thread instead
      c.pidfd = -1;
      pidfd = -1;
    }
    if (!c.pipes.allClosed()) {
      post(c, EVENT_PIPES);
    }
    if (pidfd < 0) {
      waitersStarted.incrementAndGet();
      Thread w = new Thread(() -> waitWithoutReaping(c), name + "-wait-" + c.pid);
      w.setDaemon(true);
      w.start();
    }
  }

  /** How many children got a waiter thread of their own (pidfd unavailable or refused). */
  long waitersStarted() {
    return waitersStarted.get();
  }

  void closeBegun() {
    closing = true;
    wake();
  }

  private void post(ChildImpl c, int kind) {
    events.add(new Event(c, kind));
    wake();
  }

  private void wake() {
    if (wakePending.compareAndSet(false, true)) {
      LIBC.write(wakeFd, one, 8);
    }
  }

  /** The fallback waiter: blocks until the child has exited, leaving it unreaped. */
  private void waitWithoutReaping(ChildImpl c) {
    Pointer info = Native.allocate(Native.SIGINFO_SIZE);
    while (LIBC.waitid(Native.P_PID, c.pid, info, Native.WEXITED | Native.WNOWAIT) != 0
        && Native.errno() == Native.EINTR) {
      // retry
    }
    post(c, EVENT_EXITED);
  }

  @Override
  public void run() {
    try {
      for (; ; ) {
        try {
          if (!step()) {
            break;
          }
        } catch (RuntimeException | LinkageError e) {
          // A bug, or a class that could not be loaded while descriptors ran out (EMFILE): a
          // reaper that died would leave every child of the context unreaped, so it goes on.
          ProcessLog.userCodeThrew(name + " reaper step", e);
        }
      }
    } finally {
      epoll.close();
      LIBC.close(wakeFd);
      LIBC.close(devNull); // stopped under registry: no spawn can be using it
      terminated.complete(null);
    }
  }

  /** One round: take events, advance each exited child, wait. Returns false once stopped. */
  private boolean step() {
    long now = System.nanoTime();
    drainEvents(now);
    long next = advanceAll(now);
    next = Math.min(next, sweepLingering(now));
    if (closing && byId.isEmpty() && tryStop()) {
      return false;
    }
    int timeout = next == Long.MAX_VALUE ? -1 : (int) Math.min(Integer.MAX_VALUE,
        Math.max(0, TimeUnit.NANOSECONDS.toMillis(next - now + 999_999)));
    int n = epoll.await(timeout);
    if (n <= 0) {
      return true; // timeout, or EINTR
    }
    long after = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long key = epoll.keyAt(i);
      if (key == EpollSet.WAKE_KEY) {
        LIBC.read(wakeFd, buf, 8);
        wakePending.set(false);
        continue;
      }
      ChildImpl c = byId.get(EpollSet.childId(key));
      if (c == null) {
        continue; // delivered earlier in this batch
      }
      int kind = EpollSet.kind(key);
      if (kind == EpollSet.PIDFD) {
        if (c.phase == ChildImpl.RUNNING) {
          exited(c, after);
        }
      } else {
        c.pipes.ready(kind, buf, BUF);
      }
    }
    return true;
  }

  private void drainEvents(long now) {
    Event e;
    while ((e = events.poll()) != null) {
      ChildImpl c = e.child();
      switch (e.kind()) {
        case EVENT_PIPES -> c.pipes.register(epoll, c.id);
        case EVENT_EXITED -> {
          if (c.phase == ChildImpl.RUNNING) {
            exited(c, now);
          }
        }
        default -> throw new IllegalStateException("Invalid event: " + e.kind());
      }
    }
  }

  /** The leader is a zombie: kill the rest of its group if asked, then sweep and reap. */
  private void exited(ChildImpl c, long now) {
    c.leaderExited();
    if (c.pidfd >= 0) {
      epoll.remove(c.pidfd);
      LIBC.close(c.pidfd);
      c.pidfd = -1;
    }
    c.phase = ChildImpl.EXITED;
    c.deadlineNanos = deadline(now, c.outputWaitNanos);
    exited.add(c);
  }

  /** Moves every child as far as it can go; returns the earliest deadline. */
  private long advanceAll(long now) {
    long next = Long.MAX_VALUE;
    for (Iterator<ChildImpl> it = exited.iterator(); it.hasNext(); ) {
      ChildImpl c = it.next();
      if (c.phase == ChildImpl.EXITED && !sweepAndReap(c, now)) {
        next = Math.min(next, now + SWEEP_RETRY_NANOS);
        continue;
      }
      if (!c.pipes.allClosed()) {
        if (c.deadlineNanos - now > 0) {
          next = Math.min(next, c.deadlineNanos);
          continue;
        }
        c.pipes.forceClose(buf, BUF);
      }
      it.remove();
      byId.remove(c.id);
      c.deliver();
    }
    return next;
  }

  /**
   * With the subreaper on, reaps the members of the child's group first (its zombie leader keeps
   * the group id reserved meanwhile); then reaps the leader. False while it must wait.
   */
  private boolean sweepAndReap(ChildImpl c, long now) {
    if (ChildProcesses.subreaper) {
      int left = GroupSweep.reapMembers(c.pid, p -> p == c.pid || isOtherLeader(p, c), siginfo);
      if (left > 0 && c.deadlineNanos - now > 0) {
        return false;
      }
      if (left > 0) {
        lingering.add(c.pid); // still alive after the wait; swept until the group is empty
        nextLingerSweep = Math.min(nextLingerSweep, now + LINGER_SWEEP_NANOS);
      }
    }
    if (!c.reap(siginfo)) {
      return false;
    }
    leaders.remove(c.pid);
    c.deadlineNanos = deadline(now, c.outputWaitNanos);
    return true;
  }

  /**
   * {@code now + wait}, or Long.MAX_VALUE (no deadline) where that overflows: a wrapped deadline
   * would be the minimum of advanceAll and make every epoll wait a zero timeout.
   */
  private static long deadline(long now, long wait) {
    long d = now + wait;
    return d < now ? Long.MAX_VALUE : d; // wait >= 0
  }

  private boolean isOtherLeader(int pid, ChildImpl self) {
    return pid != self.pid && leaders.contains(pid);
  }

  /**
   * Sweeps the groups whose leader is reaped but whose members lived on. Their group id stays
   * reserved while any member exists; a group found empty is dropped. Under registry, so that a
   * leader we spawn meanwhile is in {@link #leaders} before a sweep can see it.
   */
  private long sweepLingering(long now) {
    if (lingering.isEmpty() || nextLingerSweep - now > 0) {
      return lingering.isEmpty() ? Long.MAX_VALUE : nextLingerSweep;
    }
    registry.writeLock().lock();
    try {
      lingering.removeIf(pgid -> GroupSweep.reapMembers(pgid, leaders::contains, siginfo) == 0);
    } finally {
      registry.writeLock().unlock();
    }
    nextLingerSweep = lingering.isEmpty() ? Long.MAX_VALUE : now + LINGER_SWEEP_NANOS;
    return nextLingerSweep;
  }

  private boolean tryStop() {
    registry.writeLock().lock();
    try {
      if (!events.isEmpty() || !byId.isEmpty()) {
        return false; // a spawn handed a child over after the caller saw none left
      }
      stopped = true;
      return true;
    } finally {
      registry.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "Reaper[" + name + (usePidfd ? ", pidfd" : ", waiter threads")
        + ", " + waitersStarted.get() + " waiter threads started" + (closing ? ", closing" : "")
        + "]";
  }
}
