package org.asyncop.process.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The C library calls this module makes, bound through jnr-ffi.
 *
 * <p>jnr-posix covers kill and waitpid, but its posix_spawnp drops the error number that
 * posix_spawnp returns and has no way to add a close-from or chdir file action; those are what the
 * spawner needs, so the spawn family is bound here directly. Calls that report through errno are
 * marked {@link SaveError}.
 */
public interface LibC {
  /** argv and envp: NULL-terminated arrays of C strings, see {@link CStringArray}. */
  int posix_spawnp(
      Pointer pid, Pointer file, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

  int posix_spawn_file_actions_init(Pointer fileActions);

  int posix_spawn_file_actions_destroy(Pointer fileActions);

  int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

  int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

  int posix_spawn_file_actions_addchdir_np(Pointer fileActions, @In CharSequence path);

  int posix_spawnattr_init(Pointer attr);

  int posix_spawnattr_destroy(Pointer attr);

  int posix_spawnattr_setflags(Pointer attr, short flags);

  int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

  int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

  int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

  int sigemptyset(Pointer set);

  int sigfillset(Pointer set);

  int sigdelset(Pointer set, int signal);

  @SaveError
  int pipe2(@Out int[] fds, int flags);

  @SaveError
  int open(@In CharSequence path, int flags, int mode);

  @SaveError
  int close(int fd);

  @SaveError
  long read(int fd, Pointer buf, long count);

  @SaveError
  long write(int fd, Pointer buf, long count);

  @SaveError
  int fcntl(int fd, int cmd, int arg);

  @SaveError
  int eventfd(int initval, int flags);

  @SaveError
  int epoll_create1(int flags);

  @SaveError
  int epoll_ctl(int epfd, int op, int fd, Pointer event);

  @SaveError
  int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);

  /** For pidfd_open (no wrapper before glibc 2.36). */
  @SaveError
  int syscall(long number, int a, int b);

  @SaveError
  int waitid(int idtype, int id, Pointer siginfo, int options);

  @SaveError
  int kill(int pid, int signal);

  @SaveError
  int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  int getpid();
}
