package org.asyncop.process.internal;

import static org.asyncop.process.internal.Native.LIBC;

import java.lang.ref.Reference;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

/*
 * One posix_spawnp call with everything the child needs set up by the C library between its
 * clone(CLONE_VFORK) and its exec:
 *
 *  - POSIX_SPAWN_SETPGROUP with pgroup 0: the child leads a process group of its own, so one
 *    kill(-pid) reaches everything it starts (unless something calls setsid and leaves).
 *  - POSIX_SPAWN_SETSIGMASK (empty) and SETSIGDEF (every catchable signal): the child does not
 *    inherit the spawning thread's blocked signals or the JVM's dispositions.
 *  - file actions: dup2 of the given descriptors onto 0, 1 and 2, chdir to the working directory,
 *    then closefrom(3) (glibc 2.34+, close_range in the child). That last one is the guarantee
 *    against leaks: the JVM holds many descriptors without FD_CLOEXEC (jar files, sockets, the
 *    JDK's own pipes), and any thread may open one at any moment, so marking them CLOEXEC from the
 *    parent is always racy; closing in the child, after the fork and before the exec, is not. It
 *    costs one close_range syscall in the child: spawning /bin/true 1,000 times with and without
 *    it, alternately, gave differences within the noise of the shared 2-core test machine.
 *
 * Our own descriptors (pipe ends, opened files) are made with O_CLOEXEC, so a concurrent spawn by
 * someone else (java.lang.Process closes in its child too) never inherits them either.
 */
public final class Spawner {
  private static final short FLAGS =
      Native.POSIX_SPAWN_SETPGROUP | Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSIGDEF;
  /** Read-only after class init. */
  private static final Pointer EMPTY_SET = Native.allocate(Native.SIGSET_SIZE);
  private static final Pointer DEFAULT_SET = Native.allocate(Native.SIGSET_SIZE);
  /**
   * Per spawning thread: room for the attributes, the file actions (both reused through
   * init/destroy) and the pid posix_spawnp writes.
   */
  private static final ThreadLocal<Pointer[]> SCRATCH =
      ThreadLocal.withInitial(() -> new Pointer[] {
          Native.allocate(Native.SPAWN_STRUCT_SIZE), Native.allocate(Native.SPAWN_STRUCT_SIZE),
          Native.allocate(8)});

  static {
    LIBC.sigemptyset(EMPTY_SET);
    LIBC.sigfillset(DEFAULT_SET);
    LIBC.sigdelset(DEFAULT_SET, Native.SIGKILL);
    LIBC.sigdelset(DEFAULT_SET, Native.SIGSTOP);
  }

  private Spawner() {}

  /**
   * Spawns {@code argv[0]} (looked up in PATH) in a new process group.
   *
   * @param argv the command, a NULL-terminated array of C strings ({@link CStringArray})
   * @param envp the environment, likewise
   * @param stdin descriptor to become the child's 0, or -1 to inherit the JVM's
   * @param stdout descriptor to become the child's 1, or -1 to inherit
   * @param stderr descriptor to become the child's 2, or -1 to inherit
   * @return the pid, or the negated error number posix_spawnp returned
   */
  public static int spawn(
      Pointer argv, Pointer envp, @Nullable String directory, int stdin, int stdout, int stderr) {
    Pointer[] mem = SCRATCH.get();
    Pointer attr = mem[0];
    Pointer actions = mem[1];
    Pointer pid = mem[2];
    LIBC.posix_spawnattr_init(attr);
    LIBC.posix_spawn_file_actions_init(actions);
    try {
      LIBC.posix_spawnattr_setflags(attr, FLAGS);
      LIBC.posix_spawnattr_setpgroup(attr, 0);
      LIBC.posix_spawnattr_setsigmask(attr, EMPTY_SET);
      LIBC.posix_spawnattr_setsigdefault(attr, DEFAULT_SET);
      int rc = 0;
      if (stdin >= 0) {
        rc |= LIBC.posix_spawn_file_actions_adddup2(actions, stdin, 0);
      }
      if (stdout >= 0) {
        rc |= LIBC.posix_spawn_file_actions_adddup2(actions, stdout, 1);
      }
      if (stderr >= 0) {
        rc |= LIBC.posix_spawn_file_actions_adddup2(actions, stderr, 2);
      }
      if (directory != null) {
        rc |= LIBC.posix_spawn_file_actions_addchdir_np(actions, directory);
      }
      rc |= LIBC.posix_spawn_file_actions_addclosefrom_np(actions, 3);
      if (rc != 0) {
        return -Native.ENOMEM; // the only error these report for valid descriptors
      }
      int err = LIBC.posix_spawnp(pid, argv.getPointer(0), actions, attr, argv, envp);
      return err == 0 ? pid.getInt(0) : -err;
    } finally {
      Reference.reachabilityFence(argv); // the strings live in these blocks
      Reference.reachabilityFence(envp);
      LIBC.posix_spawn_file_actions_destroy(actions);
      LIBC.posix_spawnattr_destroy(attr);
    }
  }
}
