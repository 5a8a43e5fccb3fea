package org.asyncop.process;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import org.asyncop.core.Rc;
import org.jspecify.annotations.Nullable;

/**
 * How a child ended, delivered once on its operation's loop after the child was reaped and its
 * pipes were read to their end (or closed after the spec's output wait). Immutable.
 *
 * <p>{@link #rc()}: {@link Rc#OK} for exit status 0; {@link Rc#CANCEL} when the child was stopped
 * because its operation was cancelled (or completed with the child still running, or its context
 * closed): killed by our SIGKILL, or sent our SIGTERM, whatever it then exited with; {@link
 * Rc#FAIL} for a non-zero exit, a death by a signal the library did not send, or a spawn that
 * failed ({@link #failure()} is then a {@link SpawnException}). A child that had already exited
 * when a SIGKILL was sent reports its own status: its work was done.
 */
public final class ChildExit {
  private static final byte[] NONE = new byte[0];

  private final Rc rc;
  private final int pid;
  private final int exitCode;
  private final int signal;
  private final Duration wallTime;
  private final byte[] stdout;
  private final byte[] stderr;
  private final boolean stdoutTruncated;
  private final boolean stderrTruncated;
  private final boolean pipesForceClosed;
  private final @Nullable Throwable failure;

  ChildExit(
      Rc rc,
      int pid,
      int exitCode,
      int signal,
      Duration wallTime,
      byte @Nullable [] stdout,
      boolean stdoutTruncated,
      byte @Nullable [] stderr,
      boolean stderrTruncated,
      boolean pipesForceClosed,
      @Nullable Throwable failure) {
    this.rc = rc;
    this.pid = pid;
    this.exitCode = exitCode;
    this.signal = signal;
    this.wallTime = wallTime;
    this.stdout = stdout == null ? NONE : stdout;
    this.stderr = stderr == null ? NONE : stderr;
    this.stdoutTruncated = stdoutTruncated;
    this.stderrTruncated = stderrTruncated;
    this.pipesForceClosed = pipesForceClosed;
    this.failure = failure;
  }

  /** A child that never ran: its spawn failed ({@code failure}) or was cancelled before it. */
  static ChildExit notStarted(Rc rc, Throwable failure) {
    return new ChildExit(rc, -1, -1, 0, Duration.ZERO, null, false, null, false, false, failure);
  }

  /** OK, FAIL or CANCEL; see the class comment. */
  public Rc rc() {
    return rc;
  }

  /** Whether {@link #rc()} is OK. */
  public boolean isOk() {
    return rc == Rc.OK;
  }

  /** The child's pid; -1 if it never ran. */
  public int pid() {
    return pid;
  }

  /** The exit status (0-255) if the child exited; empty if a signal killed it or it never ran. */
  public OptionalInt exitCode() {
    return exitCode >= 0 ? OptionalInt.of(exitCode) : OptionalInt.empty();
  }

  /** The signal that killed the child (9 for SIGKILL); empty if it exited or never ran. */
  public OptionalInt signal() {
    return signal > 0 ? OptionalInt.of(signal) : OptionalInt.empty();
  }

  /** From the spawn to the reap. */
  public Duration wallTime() {
    return wallTime;
  }

  /** The captured standard output (empty unless it was captured), at most the spec's bound. */
  public byte[] stdoutBytes() {
    return stdout.clone();
  }

  /** {@link #stdoutBytes()} decoded as UTF-8. */
  public String stdout() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  /** Whether the child wrote more to stdout than the capture bound kept. */
  public boolean stdoutTruncated() {
    return stdoutTruncated;
  }

  /** The captured standard error (empty unless it was captured), at most the spec's bound. */
  public byte[] stderrBytes() {
    return stderr.clone();
  }

  /** {@link #stderrBytes()} decoded as UTF-8. */
  public String stderr() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  /** Whether the child wrote more to stderr than the capture bound kept. */
  public boolean stderrTruncated() {
    return stderrTruncated;
  }

  /**
   * Whether a pipe to or from the child was still open when the spec's output wait ran out after
   * the exit (some other process held it: a background process that left the group) and was
   * closed by the library; the captured output may then be incomplete.
   */
  public boolean pipesForceClosed() {
    return pipesForceClosed;
  }

  /**
   * For a child that never ran: the {@link SpawnException}, or the cancellation that prevented
   * the spawn. Null when the child ran (read the exit code or signal).
   */
  public @Nullable Throwable failure() {
    return failure;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ChildExit[").append(rc);
    if (pid < 0) {
      return sb.append(", not started: ").append(failure).append(']').toString();
    }
    sb.append(", pid=").append(pid);
    if (signal > 0) {
      sb.append(", signal=").append(signal);
    } else {
      sb.append(", exit=").append(exitCode);
    }
    sb.append(", ").append(wallTime.toMillis()).append(" ms");
    if (pipesForceClosed) {
      sb.append(", pipes force-closed");
    }
    return sb.append(']').toString();
  }
}
