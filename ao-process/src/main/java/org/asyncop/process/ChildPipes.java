package org.asyncop.process;

import static org.asyncop.process.internal.Native.LIBC;

import jnr.ffi.Pointer;
import org.asyncop.process.internal.Native;
import org.jspecify.annotations.Nullable;

/*
 * The parent's ends of a child's pipes: stdin being written from a string, stdout and stderr being
 * captured. Every descriptor here is O_CLOEXEC (never inherited by anyone's child) and O_NONBLOCK
 * (the reaper thread serves all children of a context from one poll).
 *
 * Confined to the reaper thread once the child is handed over; before that, to the spawning
 * thread. A descriptor is -1 once closed; "open" means the child (or something it started) may
 * still write or read through it.
 */
final class ChildPipes {
  int stdinFd = -1;
  int stdoutFd = -1;
  int stderrFd = -1;
  private @Nullable Pointer stdinData;
  private long stdinOffset;
  private long stdinLength;
  final @Nullable Capture stdout;
  final @Nullable Capture stderr;
  boolean forceClosed;

  ChildPipes(@Nullable Capture stdout, @Nullable Capture stderr) {
    this.stdout = stdout;
    this.stderr = stderr;
  }

  void stdinData(byte[] data) {
    if (data.length == 0) {
      return;
    }
    Pointer p = Native.allocate(data.length);
    p.put(0, data, 0, data.length);
    stdinData = p;
    stdinLength = data.length;
  }

  boolean allClosed() {
    return stdinFd < 0 && stdoutFd < 0 && stderrFd < 0;
  }

  /** Registers the open descriptors with the poll set. */
  void addTo(PollSet ps, ChildImpl owner) {
    if (stdinFd >= 0) {
      ps.add(stdinFd, Native.POLLOUT, owner, PollSet.STDIN);
    }
    if (stdoutFd >= 0) {
      ps.add(stdoutFd, Native.POLLIN, owner, PollSet.STDOUT);
    }
    if (stderrFd >= 0) {
      ps.add(stderrFd, Native.POLLIN, owner, PollSet.STDERR);
    }
  }

  /** The pipe of {@code kind} is ready (or hung up): move bytes until it would block or ends. */
  void ready(int kind, Pointer buf, int bufSize) {
    switch (kind) {
      case PollSet.STDIN -> writeStdin();
      case PollSet.STDOUT -> stdoutFd = drain(stdoutFd, stdout, buf, bufSize);
      case PollSet.STDERR -> stderrFd = drain(stderrFd, stderr, buf, bufSize);
      default -> throw new IllegalStateException("Invalid pipe kind: " + kind);
    }
  }

  /** Reads until EAGAIN (returns fd) or end of file or error (closes, returns -1). */
  private static int drain(int fd, @Nullable Capture into, Pointer buf, int bufSize) {
    for (; ; ) {
      long n = LIBC.read(fd, buf, bufSize);
      if (n > 0) {
        if (into != null) {
          into.append(buf, (int) n);
        }
        continue;
      }
      if (n < 0) {
        int e = Native.errno();
        if (e == Native.EAGAIN) {
          return fd;
        }
        if (e == Native.EINTR) {
          continue;
        }
      }
      LIBC.close(fd);
      return -1;
    }
  }

  private void writeStdin() {
    Pointer data = stdinData;
    while (data != null && stdinOffset < stdinLength) {
      long n = LIBC.write(stdinFd, data.slice(stdinOffset), stdinLength - stdinOffset);
      if (n > 0) {
        stdinOffset += n;
        continue;
      }
      int e = Native.errno();
      if (e == Native.EAGAIN) {
        return;
      }
      if (e != Native.EINTR) {
        break; // EPIPE: the child closed its stdin; the rest is dropped
      }
    }
    LIBC.close(stdinFd);
    stdinFd = -1;
    stdinData = null;
  }

  /** The output wait ran out: close what is still open. */
  void forceClose() {
    if (!allClosed()) {
      forceClosed = true;
      closeAll();
    }
  }

  void closeAll() {
    stdinFd = closeIfOpen(stdinFd);
    stdoutFd = closeIfOpen(stdoutFd);
    stderrFd = closeIfOpen(stderrFd);
    stdinData = null;
  }

  private static int closeIfOpen(int fd) {
    if (fd >= 0) {
      LIBC.close(fd);
    }
    return -1;
  }
}
