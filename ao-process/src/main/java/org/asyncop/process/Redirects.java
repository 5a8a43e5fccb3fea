package org.asyncop.process;

import static org.asyncop.process.internal.Native.LIBC;

import java.util.Arrays;
import org.asyncop.process.internal.Native;

/*
 * Opens the descriptors a child's 0, 1 and 2 are made from, on the spawning thread: /dev/null,
 * files, or pipes whose other end goes to the reaper (through ChildPipes). Everything is opened
 * O_CLOEXEC, so no other spawn in the JVM inherits it; posix_spawn dup2s the child ends onto
 * 0/1/2 (dup2 clears CLOEXEC on the copy) and closefrom(3) closes the originals in the child.
 * The child ends are closed in the parent right after the spawn, success or not: a pipe's reader
 * sees end of file only once every writer is gone. /dev/null is one descriptor per context, opened
 * read-write and shared by every spawn (it saves an open and a close per stream); the reaper
 * closes it after its stop, when no spawn can use it any more.
 */
final class Redirects {
  private static final int MODE = 0666; // before the umask, as a shell's '>' does

  private final String program;
  private final int devNull;
  private final int[] childEnds = new int[3];
  private int count;

  Redirects(String program, int devNull) {
    this.program = program;
    this.devNull = devNull;
  }

  /** The descriptor to become the child's 0. */
  int stdin(Stdin in, ChildPipes pipes) throws SpawnException {
    return switch (in.kind) {
      case NONE -> devNull;
      case FILE -> open(String.valueOf(in.file), Native.O_RDONLY);
      case BYTES -> {
        int[] fds = pipe();
        keep(fds[0]);
        byte[] data = in.bytes();
        if (data.length == 0) {
          LIBC.close(fds[1]); // the child reads end of file at once
        } else {
          pipes.stdinFd = nonBlocking(fds[1]);
          pipes.stdinData(data);
        }
        yield fds[0];
      }
    };
  }

  /** The descriptor to become the child's {@code target} (1 or 2), or -1 to inherit. */
  int output(Output out, int target, ChildPipes pipes) throws SpawnException {
    return switch (out.kind) {
      case INHERIT -> -1;
      case DISCARD -> devNull;
      case FILE -> open(String.valueOf(out.file), Native.O_WRONLY | Native.O_CREAT | Native.O_TRUNC);
      case APPEND -> open(String.valueOf(out.file), Native.O_WRONLY | Native.O_CREAT | Native.O_APPEND);
      case CAPTURE -> {
        int[] fds = pipe();
        keep(fds[1]);
        if (target == 1) {
          pipes.stdoutFd = nonBlocking(fds[0]);
        } else {
          pipes.stderrFd = nonBlocking(fds[0]);
        }
        yield fds[1];
      }
    };
  }

  /** Closes the child ends in the parent; idempotent. */
  void closeChildEnds() {
    for (int i = 0; i < count; i++) {
      LIBC.close(childEnds[i]);
    }
    Arrays.fill(childEnds, -1);
    count = 0;
  }

  private int open(String path, int flags) throws SpawnException {
    int fd = LIBC.open(path, flags | Native.O_CLOEXEC, MODE);
    if (fd < 0) {
      throw new SpawnException(program, "open " + path, Native.errno());
    }
    keep(fd);
    return fd;
  }

  private int[] pipe() throws SpawnException {
    int[] fds = new int[2];
    if (LIBC.pipe2(fds, Native.O_CLOEXEC) != 0) {
      throw new SpawnException(program, "pipe2", Native.errno());
    }
    return fds;
  }

  private void keep(int fd) {
    childEnds[count++] = fd;
  }

  private static int nonBlocking(int fd) {
    int fl = LIBC.fcntl(fd, Native.F_GETFL, 0);
    LIBC.fcntl(fd, Native.F_SETFL, fl | Native.O_NONBLOCK);
    return fd;
  }
}
