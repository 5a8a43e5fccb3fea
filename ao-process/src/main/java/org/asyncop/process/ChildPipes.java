package org.asyncop.process;

import static org.asyncop.process.internal.Native.LIBC;

import jnr.ffi.Pointer;
import org.asyncop.process.internal.Native;
import org.jspecify.annotations.Nullable;

/*
 * The parent's ends of a child's pipes: stdin being written from a string, stdout and stderr being
 * captured. Every descriptor here is O_CLOEXEC (never inherited by anyone's child) and O_NONBLOCK
 * (the reaper thread serves all children of a context from one epoll set).
 *
 * Confined to the reaper thread once the child is handed over (the reaper adds the descriptors to
 * its epoll set itself, so no other thread ever races an event on them); before that, to the
 * spawning thread. A descriptor is -1 once closed; "open" means the child (or something it
 * started) may still write or read through it. Each is removed from the epoll set before it is
 * closed.
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
  /** Set by {@link #register}; null while no descriptor is in an epoll set. */
  private @Nullable EpollSet epoll;

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

  /**
   * Reaper: watches the open descriptors in {@code ep} under {@code childId}. A descriptor the
   * kernel refuses to watch (ENOMEM, or the per-user limit of watches) is closed at once, and the
   * exit then says its output was cut.
   */
  void register(EpollSet ep, long childId) {
    epoll = ep;
    stdinFd = watch(ep, stdinFd, Native.EPOLLOUT, EpollSet.key(childId, EpollSet.STDIN));
    stdoutFd = watch(ep, stdoutFd, Native.EPOLLIN, EpollSet.key(childId, EpollSet.STDOUT));
    stderrFd = watch(ep, stderrFd, Native.EPOLLIN, EpollSet.key(childId, EpollSet.STDERR));
  }

  private int watch(EpollSet ep, int fd, int events, long key) {
    if (fd < 0 || ep.add(fd, events, key) == 0) {
      return fd;
    }
    forceClosed = true;
    LIBC.close(fd);
    return -1;
  }

  /**
   * The pipe of {@code kind} is ready (or hung up): move bytes until it would block or ends. A
   * pipe already closed (an event that came in the same batch as its end) is left alone.
   */
  void ready(int kind, Pointer buf, int bufSize) {
    switch (kind) {
      case EpollSet.STDIN -> {
        if (stdinFd >= 0) {
          writeStdin();
        }
      }
      case EpollSet.STDOUT -> stdoutFd = drain(stdoutFd, stdout, buf, bufSize);
      case EpollSet.STDERR -> stderrFd = drain(stderrFd, stderr, buf, bufSize);
      default -> throw new IllegalStateException("Invalid pipe kind: " + kind);
    }
  }

  /** Reads until EAGAIN (returns fd) or end of file or error (closes, returns -1). */
  private int drain(int fd, @Nullable Capture into, Pointer buf, int bufSize) {
    if (fd < 0) {
      return -1;
    }
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
      return closeIfOpen(fd);
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
    stdinFd = closeIfOpen(stdinFd);
    stdinData = null;
  }

  /**
   * The output wait ran out: a last write and read of what is already possible (what the child
   * wrote before it exited, the end of file or EPIPE when nothing else holds the pipe: their
   * events may not have come yet), then close what is still open.
   */
  void forceClose(Pointer buf, int bufSize) {
    if (stdinFd >= 0) {
      writeStdin();
    }
    stdoutFd = drain(stdoutFd, stdout, buf, bufSize);
    stderrFd = drain(stderrFd, stderr, buf, bufSize);
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

  private int closeIfOpen(int fd) {
    if (fd >= 0) {
      EpollSet ep = epoll;
      if (ep != null) {
        ep.remove(fd);
      }
      LIBC.close(fd);
    }
    return -1;
  }
}
