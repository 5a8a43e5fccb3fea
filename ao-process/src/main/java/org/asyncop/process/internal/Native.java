package org.asyncop.process.internal;

import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The bound C library and the Linux constants this module uses (the same on x86-64 and aarch64,
 * the two platforms it is built for). Loaded once per JVM.
 */
public final class Native {
  public static final LibC LIBC =
      LibraryLoader.create(LibC.class).option(LibraryOption.IgnoreError, true).load("c");
  public static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_CLOEXEC = 02000000;
  public static final int F_GETFL = 3;
  public static final int F_SETFL = 4;

  public static final int EPOLLIN = 0x1;
  public static final int EPOLLOUT = 0x4;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLL_CTL_DEL = 2;

  public static final int P_PID = 1;
  public static final int WNOHANG = 1;
  public static final int WEXITED = 4;
  public static final int WNOWAIT = 0x01000000;
  /** si_code of a child that exited (the others mean a signal ended it). */
  public static final int CLD_EXITED = 1;
  /** Offsets in siginfo_t (128 bytes) for SIGCHLD. */
  public static final int SIGINFO_SIZE = 128;
  public static final int SI_CODE = 8;
  public static final int SI_PID = 16;
  public static final int SI_STATUS = 24;

  public static final long SYS_PIDFD_OPEN = 434;
  public static final int PR_SET_CHILD_SUBREAPER = 36;

  public static final short POSIX_SPAWN_SETPGROUP = 0x02;
  public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  /** sizeof(posix_spawnattr_t) is 336 and sizeof(posix_spawn_file_actions_t) 80 on glibc. */
  public static final int SPAWN_STRUCT_SIZE = 512;
  public static final int SIGSET_SIZE = 128;

  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;
  public static final int SIGSTOP = 19;

  public static final int EINTR = 4;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int ENOSYS = 38;

  private Native() {}

  /** errno of the last call marked SaveError on this thread. */
  public static int errno() {
    return RUNTIME.getLastError();
  }

  /** "ENOENT (No such file or directory)" for 2. */
  public static String describe(int errno) {
    Errno e = Errno.valueOf(errno);
    return e == Errno.__UNKNOWN_CONSTANT__
        ? "errno " + errno
        : e.name() + " (" + e.description() + ")";
  }

  /** Zeroed native memory that the garbage collector frees. */
  public static Pointer allocate(int size) {
    return Memory.allocateDirect(RUNTIME, size, true);
  }
}
