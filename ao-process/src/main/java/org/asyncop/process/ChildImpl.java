package org.asyncop.process;

import static org.asyncop.process.internal.Native.LIBC;

import java.time.Duration;
import java.util.function.Consumer;
import jnr.ffi.Pointer;
import org.asyncop.core.Ao;
import org.asyncop.core.CancelHook;
import org.asyncop.core.Registration;
import org.asyncop.core.Rc;
import org.asyncop.process.internal.Native;
import org.asyncop.timers.Timers;
import org.jspecify.annotations.Nullable;

/*
 * One spawned child: its signalling state (shared between the ao's loop, which runs the cancel
 * hook, and the reaper thread, which reaps), and what the reaper keeps while it watches it.
 *
 * The one rule this class exists for: the child's process group may be signalled only while its
 * leader is unreaped. A zombie leader keeps the group id reserved; once it is reaped, the id may
 * be handed to a stranger and kill(-pgid) would hit it. So "send a signal to the group" and "reap
 * the leader" exclude each other: both happen inside this object's monitor, and the monitor
 * guards nothing else and runs no user code (each side is one or two syscalls). A CAS cannot do
 * it: the decision and the syscall must be one step.
 *
 * Life on the reaper thread: RUNNING (watching the pidfd), EXITED (the leader is a zombie; with
 * the subreaper on, the rest of the group is being reaped first), REAPED (status taken; waiting
 * for the pipes to close), then delivered and forgotten.
 */
final class ChildImpl implements Child, CancelHook {
  /*
   * state: bits, written only inside the monitor, read anywhere (volatile).
   *   TERM       the cancel hook sent SIGTERM; a timer sends SIGKILL after the grace period
   *   KILL       SIGKILL was sent for the cancel (at once, or when the grace ran out)
   *   LEFT       the leader has exited (a zombie): a cancel from now on sends SIGKILL at once to
   *              what it left in its group, no SIGTERM and grace, since the leader's reap would
   *              put the group out of the grace timer's reach; its work had finished
   *   REAPED     the leader was reaped: no signal is ever sent to the pid or the group after this
   *   DELIVERED  the exit was handed to the ao's loop
   * Transitions: 0 -> TERM -> TERM|KILL; 0 -> KILL; any -> +LEFT (-> +KILL) -> +REAPED ->
   * +DELIVERED.
   * Invariant: a signal is sent only by the thread that holds the monitor and sees REAPED clear.
   * rc CANCEL if TERM was set before REAPED, or KILL was and the child died of a signal.
   */
  private static final int TERM = 1;
  private static final int KILL = 2;
  private static final int REAPED = 4;
  private static final int DELIVERED = 8;
  private static final int LEFT = 16;
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  static final int RUNNING = 0;
  static final int EXITED = 1;
  static final int REAPED_PHASE = 2;

  final int pid;
  /** The reaper's key for this child; never reused in a context. */
  final long id;
  final Ao<?> ao;
  private final Consumer<ChildExit> onExit;
  final String program;
  private final long graceNanos; // -1: SIGKILL at once
  final boolean killGroupOnExit;
  final long outputWaitNanos;
  private final long startNanos;
  final ChildPipes pipes;

  private volatile int state;
  private volatile @Nullable Registration registration;
  /** The shielded operation holding the grace timer; set by the hook before its SIGTERM. */
  private volatile @Nullable Ao<Void> graceAo;

  // ---- confined to the reaper thread (pidfd: set by the spawning thread before the hand-over) --
  int pidfd = -1;
  int phase = RUNNING;
  /** When the current wait (group reap, pipes) gives up; System.nanoTime(). */
  long deadlineNanos;
  private int exitCode = -1;
  private int signal;
  private long reapedNanos;

  ChildImpl(
      int pid,
      long id,
      Ao<?> ao,
      Consumer<ChildExit> onExit,
      ProcessSpec spec,
      long startNanos,
      ChildPipes pipes) {
    this.pid = pid;
    this.id = id;
    this.ao = ao;
    this.onExit = onExit;
    this.program = spec.program();
    this.graceNanos = spec.killPolicy.grace().map(ChildImpl::nanos).orElse(-1L);
    this.killGroupOnExit = spec.killGroupOnExit;
    this.outputWaitNanos = nanos(spec.outputWait);
    this.startNanos = startNanos;
    this.pipes = pipes;
  }

  /**
   * {@code d} in nanoseconds, Long.MAX_VALUE for anything longer: toNanos would throw for
   * ChronoUnit.FOREVER, here, after the child was spawned and before it was registered.
   */
  private static long nanos(Duration d) {
    return d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  void registration(Registration r) {
    this.registration = r;
  }

  @Override
  public int pid() {
    return pid;
  }

  @Override
  public boolean isDone() {
    return (state & DELIVERED) != 0;
  }

  /**
   * The cancel hook: runs on the ao's loop, at most once (on a cancel, on the ao's completion with
   * the child still running, on the context's close).
   *
   * <p>With a grace period, the SIGKILL is a timer of the context's {@link Timers} on a shielded
   * nested operation: the cancel that is running now has already reached the ao, so a timer on the
   * ao itself would be cancelled at once; the shielded child keeps it, holds the ao's outcome
   * until it ends, and still yields to a forced cancel ({@code cancelNow}, {@code
   * close(Duration)}), which cuts the grace short with an immediate SIGKILL. The reap cancels it.
   */
  @Override
  public void cancel() {
    if (graceNanos < 0) {
      escalate();
      return;
    }
    if ((state & (TERM | KILL | REAPED)) != 0) {
      return;
    }
    Ao<Void> g =
        ao.nestShielded("grace before SIGKILL to " + program + " (pid " + pid + ")", o -> { });
    graceAo = g; // before the SIGTERM, so that a reap that follows it finds the timer to cancel
    try {
      Timers.of(ao.context()).sleep(g, Duration.ofNanos(graceNanos), rc -> {
        escalate(); // OK: the grace ran out; CANCEL: cut short by a forced cancel, or reaped
        if (rc == Rc.OK) {
          g.complete(null);
        } else {
          g.cancelled();
        }
      });
    } catch (IllegalStateException e) { // the context's timers have stopped: no grace is possible
      g.cancelled();
      escalate();
      return;
    }
    boolean noGrace;
    synchronized (this) {
      noGrace = (state & (REAPED | LEFT)) != 0;
      if ((state & (REAPED | TERM | KILL)) == 0) {
        if ((state & LEFT) != 0) {
          LIBC.kill(-pid, Native.SIGKILL); // see LEFT
          state |= KILL;
        } else {
          LIBC.kill(-pid, Native.SIGTERM);
          state |= TERM;
        }
      }
    }
    if (noGrace) {
      g.cancel();
    }
  }

  /** SIGKILL to the group if the leader is still unreaped and was not killed yet. */
  private void escalate() {
    synchronized (this) {
      if ((state & (KILL | REAPED)) == 0) {
        LIBC.kill(-pid, Native.SIGKILL);
        state |= KILL;
      }
    }
  }

  /**
   * Reaper: the leader has exited and is a zombie (its group id still reserved). Kills what is
   * left of the group when the spec or a cancel asks for it.
   */
  void leaderExited() {
    synchronized (this) {
      state |= LEFT;
      if ((state & REAPED) == 0 && (killGroupOnExit || (state & (TERM | KILL)) != 0)) {
        LIBC.kill(-pid, Native.SIGKILL); // the leader is a zombie: only the rest is hit
      }
    }
  }

  /**
   * Reaper: reaps the leader. Returns false if it was not yet waitable (then nothing changed).
   */
  boolean reap(Pointer siginfo) {
    synchronized (this) {
      siginfo.putInt(Native.SI_PID, 0);
      int r = LIBC.waitid(Native.P_PID, pid, siginfo, Native.WEXITED | Native.WNOHANG);
      if (r != 0 || siginfo.getInt(Native.SI_PID) != pid) {
        if (r != 0 && Native.errno() == Native.ECHILD) {
          // someone else reaped our child (a waitpid(-1) elsewhere in the process): we cannot
          // know its status; report it as a failure rather than wait forever
          ProcessLog.warn("child " + pid + " (" + program + ") was reaped by someone else");
          exitCode = -1;
          signal = 0;
        } else {
          return false;
        }
      } else {
        int code = siginfo.getInt(Native.SI_CODE);
        int status = siginfo.getInt(Native.SI_STATUS);
        if (code == Native.CLD_EXITED) {
          exitCode = status;
        } else {
          signal = status;
        }
      }
      state |= REAPED;
    }
    Ao<Void> g = graceAo;
    if (g != null) {
      g.cancel(); // the grace timer has nothing left to kill
    }
    reapedNanos = ao.loop().nanoTime();
    phase = REAPED_PHASE;
    return true;
  }

  /** Reaper: the child is reaped and its pipes are closed; hand the exit to the ao's loop. */
  void deliver() {
    int s = state;
    Rc rc;
    if ((s & TERM) != 0 || ((s & KILL) != 0 && signal != 0)) {
      rc = Rc.CANCEL; // stopped by our signal (a SIGTERM may also end in an exit status)
    } else {
      // not signalled, or it exited before our SIGKILL landed (SIGKILL cannot be caught): its
      // work had finished, so it reports what it did
      rc = exitCode == 0 ? Rc.OK : Rc.FAIL;
    }
    ChildExit exit =
        new ChildExit(
            rc,
            pid,
            exitCode,
            signal,
            Duration.ofNanos(Math.max(0, reapedNanos - startNanos)),
            pipes.stdout == null ? null : pipes.stdout.bytes(),
            pipes.stdout != null && pipes.stdout.truncated(),
            pipes.stderr == null ? null : pipes.stderr.bytes(),
            pipes.stderr != null && pipes.stderr.truncated(),
            pipes.forceClosed,
            null);
    ao.execute(() -> finish(exit));
  }

  /** Loop: the callback first, then the registration, so the ao's outcome comes after both. */
  private void finish(ChildExit exit) {
    synchronized (this) {
      state |= DELIVERED;
    }
    try {
      onExit.accept(exit);
    } catch (Throwable e) {
      ProcessLog.rethrowIfFatal(e);
      ProcessLog.userCodeThrew("exit callback of child " + pid + " (" + program + ")", e);
    } finally {
      Registration r = registration;
      if (r != null) {
        r.close();
      }
    }
  }

  @Override
  public String toString() {
    int s = state;
    String st = (s & DELIVERED) != 0 ? "DONE" : (s & REAPED) != 0 ? "REAPED"
        : (s & KILL) != 0 ? "KILLED" : (s & TERM) != 0 ? "TERMINATING" : "RUNNING";
    return "Child[" + pid + " " + program + ", " + st + "]";
  }
}
