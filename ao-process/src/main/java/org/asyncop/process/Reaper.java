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
import java.util.concurrent.locks.ReentrantLock;
import jnr.ffi.Pointer;
import org.asyncop.process.internal.GroupSweep;
import org.asyncop.process.internal.Native;

/*
 * The reaper of one context: one thread that waits, in a single poll(2), on
 *   - an eventfd that other threads write to hand it work (a new child, an exit seen by a
 *     fallback waiter);
 *   - one pidfd per child (pidfd_open): readable once the child has exited, before it is reaped;
 *   - the parent ends of the children's pipes (stdin being written, stdout/stderr captured).
 * Its poll timeout is the earliest deadline: the end of the bounded wait for pipes after an exit,
 * the next retry of a group sweep. (The SIGKILL after a grace period is an ao-timers timer; see
 * ChildImpl.)
 *
 * Why pidfd: it names exactly one process, so the reaper waits only for pids this library spawned
 * (never waitpid(-1), which would steal java.lang.Process's children), and all of a context's
 * children share one thread, whatever their number. Readiness comes before the reap, which is
 * the moment the leader is a zombie and its group id is still reserved: that is when the rest of
 * the group is killed (killGroupOnExit, or after a cancel) and, with the subreaper on, reaped.
 * Where pidfd_open fails (ENOSYS on kernels before 5.3, or EMFILE), the child gets a small
 * thread that blocks in waitid(P_PID, pid, WEXITED | WNOWAIT) - it waits without reaping - and
 * then hands the child to the reaper as if its pidfd had become readable.
 *
 * Per child: RUNNING -> EXITED (leader zombie; group killed; with the subreaper, members reaped,
 * retried every millisecond until the group is empty or the output wait ends) -> REAPED (status
 * taken under the child's monitor, see ChildImpl) -> pipes read to end of file, or closed when
 * the output wait ends -> ChildExit posted to the ao's loop; the loop runs the callback and then
 * closes the ao's registration, so the ao's outcome comes after the reap.
 *
 * Stop: once close began and no child is left, the reaper marks itself stopped under `registry`
 * (the lock spawns take around posix_spawn, so no child can be spawned after the last check) and
 * its thread ends; terminated() completes after that.
 */
final class Reaper implements Runnable {
  private static final int EVENT_ADD = 0;
  private static final int EVENT_EXITED = 1;
  private static final int BUF = 64 * 1024;
  private static final long SWEEP_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long LINGER_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Event(ChildImpl child, int kind) {}

  final boolean usePidfd;
  private final String name;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final int wakeFd;
  /** /dev/null, read-write, shared by the spawns of this context; closed after the stop. */
  final int devNull;
  private final Pointer one = Native.allocate(8);
  /** Held by spawns (around posix_spawn and the hand-over), by the stop, by lingering sweeps. */
  final ReentrantLock registry = new ReentrantLock();
  /** Guarded by registry. */
  private boolean stopped;
  /** Pids of our live group leaders, which no group sweep may reap. */
  final Set<Integer> leaders = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;
  final CompletableFuture<Void> terminated = new CompletableFuture<>();

  // ---- confined to the reaper thread ----
  private final List<ChildImpl> children = new ArrayList<>();
  /** Groups whose leader was reaped while members were still alive (subreaper only). */
  private final List<Integer> lingering = new ArrayList<>();
  private long nextLingerSweep = Long.MAX_VALUE;
  private final PollSet ps = new PollSet();
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
    one.putLong(0, 1);
    this.thread = new Thread(this, name + "-reaper");
    thread.setDaemon(true);
    thread.start();
  }

  /** Spawning thread, under registry: whether new children may still be handed over. */
  boolean acceptsChildren() {
    return !stopped;
  }

  /** Spawning thread, under registry: takes over a freshly spawned child. */
  void add(ChildImpl c) {
    leaders.add(c.pid);
    post(c, EVENT_ADD);
    if (c.pidfd < 0) {
      Thread w = new Thread(() -> waitWithoutReaping(c), name + "-wait-" + c.pid);
      w.setDaemon(true);
      w.start();
    }
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
      LIBC.close(wakeFd);
      LIBC.close(devNull); // stopped under registry: no spawn can be using it
      terminated.complete(null);
    }
  }

  /** One round: take events, advance each child, poll. Returns false once stopped. */
  private boolean step() {
    long now = System.nanoTime();
    drainEvents(now);
    long next = advanceAll(now);
    next = Math.min(next, sweepLingering(now));
    if (closing && children.isEmpty() && tryStop()) {
      return false;
    }
    ps.add(wakeFd, Native.POLLIN, null, PollSet.WAKE);
    for (ChildImpl c : children) {
      if (c.phase == ChildImpl.RUNNING && c.pidfd >= 0) {
        ps.add(c.pidfd, Native.POLLIN, c, PollSet.PIDFD);
      }
      c.pipes.addTo(ps, c);
    }
    int timeout = next == Long.MAX_VALUE ? -1 : (int) Math.min(Integer.MAX_VALUE,
        Math.max(0, TimeUnit.NANOSECONDS.toMillis(next - now + 999_999)));
    int n = ps.poll(timeout);
    if (n > 0) {
      long after = System.nanoTime();
      for (int i = 0; i < ps.size(); i++) {
        short re = ps.revents(i);
        if (re == 0) {
          continue;
        }
        ChildImpl c = ps.owner(i);
        switch (ps.kind(i)) {
          case PollSet.WAKE -> {
            LIBC.read(wakeFd, buf, 8);
            wakePending.set(false);
          }
          case PollSet.PIDFD -> exited(c, after);
          default -> c.pipes.ready(ps.kind(i), buf, BUF);
        }
      }
    }
    ps.release();
    return true;
  }

  private void drainEvents(long now) {
    Event e;
    while ((e = events.poll()) != null) {
      ChildImpl c = e.child();
      switch (e.kind()) {
        case EVENT_ADD -> {
          c.tracked = true;
          children.add(c);
        }
        case EVENT_EXITED -> {
          if (c.tracked && c.phase == ChildImpl.RUNNING) {
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
      LIBC.close(c.pidfd);
      c.pidfd = -1;
    }
    c.phase = ChildImpl.EXITED;
    c.deadlineNanos = now + c.outputWaitNanos;
  }

  /** Moves every child as far as it can go; returns the earliest deadline. */
  private long advanceAll(long now) {
    long next = Long.MAX_VALUE;
    for (Iterator<ChildImpl> it = children.iterator(); it.hasNext(); ) {
      ChildImpl c = it.next();
      if (c.phase == ChildImpl.RUNNING) {
        continue;
      }
      if (c.phase == ChildImpl.EXITED && !sweepAndReap(c, now)) {
        next = Math.min(next, now + SWEEP_RETRY_NANOS);
        continue;
      }
      if (!c.pipes.allClosed()) {
        if (c.deadlineNanos - now > 0) {
          next = Math.min(next, c.deadlineNanos);
          continue;
        }
        c.pipes.forceClose();
      }
      it.remove();
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
    c.deadlineNanos = now + c.outputWaitNanos;
    return true;
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
    registry.lock();
    try {
      lingering.removeIf(pgid -> GroupSweep.reapMembers(pgid, leaders::contains, siginfo) == 0);
    } finally {
      registry.unlock();
    }
    nextLingerSweep = lingering.isEmpty() ? Long.MAX_VALUE : now + LINGER_SWEEP_NANOS;
    return nextLingerSweep;
  }

  private boolean tryStop() {
    registry.lock();
    try {
      if (!events.isEmpty()) {
        return false;
      }
      stopped = true;
      return true;
    } finally {
      registry.unlock();
    }
  }

  /** Whether the reaper thread has ended. */
  boolean isTerminated() {
    return terminated.isDone() && !thread.isAlive();
  }

  @Override
  public String toString() {
    return "Reaper[" + name + (usePidfd ? ", pidfd" : ", waiter threads")
        + (closing ? ", closing" : "") + "]";
  }
}
