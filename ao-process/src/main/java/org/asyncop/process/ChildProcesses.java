package org.asyncop.process;

import static java.util.Objects.requireNonNull;
import static org.asyncop.process.internal.Native.LIBC;

import java.nio.file.Files;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.ContextService;
import org.asyncop.core.PostGate;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.process.internal.Native;
import org.asyncop.process.internal.Spawner;

/**
 * The child processes of one context: spawns them, reaps them, reports how each ended.
 *
 * <p>Each child runs in a process group of its own, gets only descriptors 0, 1 and 2 (as its spec
 * says) and nothing else of this JVM's, and is registered on an operation with {@link
 * Ao#attach}: a cancel of the operation (or its completion while the child still runs, or the
 * context's close) signals the whole group as the spec's {@link KillPolicy} says, and the
 * operation's outcome waits until the child is reaped and its exit reported. A child that exits on
 * its own removes its registration.
 *
 * <p>Reaping: one thread per context waits on a pidfd per child, so only pids this library
 * spawned are ever waited for; {@link java.lang.Process} keeps working beside it. Close waits for
 * that thread to end after the last child.
 *
 * <p>An initiating function that runs a build step (from {@code UsageExampleTest}):
 *
 * <pre>{@code
 * static CancelHandle buildStep(AoContext ctx, String script, AoHow<String> how) {
 *   Ao<String> ao = ctx.begin(how);
 *   ProcessSpec spec = ProcessSpec.builder()
 *       .command("sh", "-c", script)
 *       .stdout(Output.capture(1 << 20))
 *       .killPolicy(KillPolicy.termThenKill(Duration.ofSeconds(2)))
 *       .build();
 *   ChildProcesses.of(ctx).spawn(ao, spec, exit -> {
 *     switch (exit.rc()) {
 *       case OK -> ao.complete(exit.stdout());
 *       case FAIL -> ao.fail(new IllegalStateException("build step failed: " + exit));
 *       case CANCEL -> ao.cancelled();
 *       default -> throw new IllegalStateException("Invalid rc: " + exit.rc());
 *     }
 *   });
 *   return ao.handle();
 * }
 * }</pre>
 *
 * <p>Limits: a descendant that calls {@code setsid} (or {@code setpgid}) leaves the group, and no
 * group signal reaches it; only a cgroup (systemd scope, container) catches those. With {@link
 * #becomeSubreaper()} such an escaped process still becomes our child when its parent dies, but it
 * is then outside every group of ours and is never reaped by this library.
 */
public final class ChildProcesses implements ContextService {
  /** Set once by {@link #becomeSubreaper()}; read by every reaper. */
  static volatile boolean subreaper;

  private final AoContext ctx;
  private final Reaper reaper;
  /*
   * A child that is not started reports through a task posted to its ao's loop. From another
   * thread, for an ao that has ended, that post may come as the context stops, and a task posted
   * to a stopped loop is dropped: onExit would never be called. So such a report posts through
   * `gate`, which terminated() (the close's last phase before the loops stop) stops and waits for:
   * a report is refused at the call or reaches the loop before it stops.
   */
  private final PostGate gate = new PostGate();

  ChildProcesses(AoContext ctx, boolean usePidfd) {
    this.ctx = ctx;
    this.reaper = new Reaper(ctx.name(), usePidfd);
  }

  /**
   * The child processes of {@code ctx}, attached on first use.
   *
   * @throws NullPointerException if {@code ctx} is null
   * @throws IllegalStateException if the context has already stopped
   */
  public static ChildProcesses of(AoContext ctx) {
    requireNonNull(ctx, "ctx");
    return ctx.service(ChildProcesses.class, c -> new ChildProcesses(c, true));
  }

  /**
   * Makes this JVM a child subreaper (prctl PR_SET_CHILD_SUBREAPER), for containers whose PID 1
   * does not reap: a process whose parent dies is then re-parented to this JVM instead of PID 1.
   * From then on, whenever one of our children exits or is killed, the reaper also reaps the
   * members of its process group that became our children, before it reaps the child itself
   * (whose zombie keeps the group id reserved meanwhile), and keeps sweeping groups whose members
   * outlive their leader until they are empty. It never reaps a leader of ours (that status belongs
   * to the leader's own waiter) nor anything outside our groups.
   *
   * <p>What it changes for the whole process, for good: orphans of every child of the JVM are
   * re-parented here, including those of {@link java.lang.Process} children and of processes that
   * left our groups with setsid; nothing reaps those, so their zombies stay until the JVM exits
   * (as they would under a PID 1 that does not reap). The same holds for members of our own
   * groups that are still alive when their context has closed (only possible with {@code
   * killGroupOnExit(false)}, as a cancel or the close kills the whole group): the context's reaper
   * has stopped, so their zombies stay too. It also changes what {@code getppid()} returns to such
   * orphans.
   *
   * @return true if this JVM is now a subreaper; false if the kernel refused
   */
  public static synchronized boolean becomeSubreaper() {
    if (LIBC.prctl(Native.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
      return false;
    }
    subreaper = true;
    return true;
  }

  /**
   * Starts {@code spec} as a child of this JVM bound to {@code ao}, and reports its end to {@code
   * onExit}, once, on the ao's loop, after the child was reaped and its pipes were read (or closed
   * after the spec's output wait). The ao's outcome comes after that callback.
   *
   * <p>Safe from any thread; the spawn itself (posix_spawnp) runs on the calling thread. When the
   * ao is already cancelled or completed, nothing is started and {@code onExit} gets a CANCEL exit
   * with no pid. When the spawn fails (no such program, not executable, no descriptors or
   * processes left, a file of the spec that cannot be opened), {@code onExit} gets a FAIL exit
   * whose {@link ChildExit#failure()} is a {@link SpawnException} naming the program and the errno;
   * nothing is registered and nothing is thrown.
   *
   * @return the child; its {@link Child#pid()} is -1 if nothing was started
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ao} belongs to another context
   * @throws IllegalStateException if called off the ao's loop after the context has stopped (the
   *     ao has ended and its loop is gone: {@code onExit} could never be called)
   */
  public Child spawn(Ao<?> ao, ProcessSpec spec, Consumer<ChildExit> onExit) {
    requireNonNull(ao, "ao");
    requireNonNull(spec, "spec");
    requireNonNull(onExit, "onExit");
    if (ao.context() != ctx) {
      throw new IllegalArgumentException("ao belongs to context " + ao.context().name()
          + ", not to " + ctx.name());
    }
    if (ao.isCancelRequested() || ao.isDone()) {
      return notStarted(ao, onExit, Rc.CANCEL,
          new CancellationException("operation already cancelled or completed; "
              + spec.program() + " was not started"));
    }
    long start = ao.loop().nanoTime();
    Capture out = spec.stdout.kind == Output.Kind.CAPTURE ? new Capture(spec.stdout.limit) : null;
    Capture err = spec.stderr.kind == Output.Kind.CAPTURE ? new Capture(spec.stderr.limit) : null;
    ChildPipes pipes = new ChildPipes(out, err);
    Redirects r = new Redirects(spec.program(), reaper.devNull);
    try {
      int in = r.stdin(spec.stdin, pipes);
      int o = r.output(spec.stdout, 1, pipes);
      int e = r.output(spec.stderr, 2, pipes);
      String dir = spec.directory == null ? null : spec.directory.toString();
      reaper.registry.readLock().lock();
      try {
        if (!reaper.acceptsChildren()) {
          r.closeChildEnds();
          pipes.closeAll();
          return notStarted(ao, onExit, Rc.CANCEL,
              new CancellationException("context " + ctx.name() + " has closed; "
                  + spec.program() + " was not started"));
        }
        int pid = Spawner.spawn(spec.nativeCommand.argv, spec.nativeCommand.envp, dir, in, o, e);
        r.closeChildEnds();
        if (pid < 0) {
          pipes.closeAll();
          // the same errno (ENOENT, ENOTDIR, EACCES) comes from the chdir: say which failed
          boolean noDir = spec.directory != null && !Files.isDirectory(spec.directory);
          return notStarted(ao, onExit, Rc.FAIL, new SpawnException(spec.program(),
              noDir ? "posix_spawnp (chdir to " + dir + ")" : "posix_spawnp", -pid));
        }
        ChildImpl c = new ChildImpl(pid, reaper.newId(), ao, onExit, spec, start, pipes);
        if (reaper.usePidfd) {
          c.pidfd = LIBC.syscall(Native.SYS_PIDFD_OPEN, pid, 0); // -1: a waiter thread instead
        }
        c.registration(ao.attach(c));
        reaper.add(c);
        return c;
      } finally {
        reaper.registry.readLock().unlock();
      }
    } catch (SpawnException ex) {
      r.closeChildEnds();
      pipes.closeAll();
      return notStarted(ao, onExit, Rc.FAIL, ex);
    }
  }

  private Child notStarted(Ao<?> ao, Consumer<ChildExit> onExit, Rc rc, Throwable why) {
    NotStarted c = new NotStarted();
    ChildExit exit = ChildExit.notStarted(rc, why);
    Runnable report = () -> {
      c.done = true;
      try {
        onExit.accept(exit);
      } catch (Throwable e) {
        ProcessLog.rethrowIfFatal(e);
        ProcessLog.userCodeThrew("exit callback of a child that did not start", e);
      }
    };
    if (ao.loop().inLoop()) {
      ao.execute(report); // the loop runs until terminated() has completed
      return c;
    }
    // from another thread: the outcome must not go before the report, even when the completion
    // reaches the loop ahead of the report's task, so a hold goes with it (attached here, where
    // the operation counts it) and the report's task releases it
    gate.post(() -> {
      Registration hold = ao.attach(() -> {});
      ao.execute(() -> {
        report.run();
        hold.close();
      });
    }, () -> new IllegalStateException("context " + ctx.name() + " has stopped; no new children"));
    return c;
  }

  /** A child that never ran. */
  private static final class NotStarted implements Child {
    volatile boolean done;

    @Override
    public int pid() {
      return -1;
    }

    @Override
    public boolean isDone() {
      return done;
    }

    @Override
    public String toString() {
      return "Child[not started]";
    }
  }

  @Override
  public void closeBegun() {
    reaper.closeBegun();
  }

  /** How many children got a waiter thread of their own instead of a pidfd (for tests). */
  long waiterThreadsStarted() {
    return reaper.waitersStarted();
  }

  /**
   * Completes when the last child was reported and the reaper thread has ended. Called by the
   * close only: from then on a spawn off the loop is refused (see {@code gate}).
   */
  @Override
  public CompletionStage<?> terminated() {
    return reaper.terminated.thenCombine(gate.stop(), (a, b) -> null);
  }

  @Override
  public String toString() {
    return "ChildProcesses[" + reaper + "]";
  }
}
