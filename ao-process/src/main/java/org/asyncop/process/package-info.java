/**
 * Child processes bound to an operation.
 *
 * <p>{@link org.asyncop.process.ChildProcesses#of} attaches the service to a context; {@link
 * org.asyncop.process.ChildProcesses#spawn} starts a program described by a {@link
 * org.asyncop.process.ProcessSpec} in a process group of its own, registers it on an operation,
 * and reports how it ended as a {@link org.asyncop.process.ChildExit}, on the operation's loop,
 * after the child is reaped. A cancel of the operation signals the whole group (SIGKILL, or
 * SIGTERM and SIGKILL after a grace period, as the spec's {@link org.asyncop.process.KillPolicy}
 * says); the operation's outcome waits until the child is reaped.
 *
 * <p>How it is built, and why:
 *
 * <ul>
 *   <li>Spawn: posix_spawnp (glibc: clone with CLONE_VFORK, then exec) with SETPGROUP 0, an empty
 *       signal mask and default dispositions, dup2 onto 0/1/2, chdir, and closefrom(3) as file
 *       actions. Closing in the child is the only leak-proof way: the JVM holds descriptors
 *       without FD_CLOEXEC and any thread may open one while we spawn, so marking them from the
 *       parent is racy, and a shell or helper in between would change what runs. Our own
 *       descriptors are all O_CLOEXEC.
 *   <li>Reaping: one thread per context polls a pidfd per child (plus the pipes), so only pids
 *       this library spawned are waited for, never {@code waitpid(-1)}, and {@link
 *       java.lang.Process} keeps working. The pidfd turns readable while the exited child is
 *       still an unreaped zombie; its group id is then still reserved, which is the one moment
 *       at which the rest of the group may be killed (and, with the subreaper, reaped) safely.
 *       Without pidfd (kernels before 5.3), each child gets a thread blocked in {@code
 *       waitid(WNOWAIT)}, which waits without reaping.
 *   <li>Grace period: SIGTERM from the cancel hook, SIGKILL from an ao-timers timer held by a
 *       shielded nested operation, which the reap cancels and a forced cancel cuts short.
 *   <li>Limit: a descendant that calls setsid leaves the group, and no group signal reaches it;
 *       only a cgroup catches those. Its pipes are closed after the spec's output wait, and the
 *       exit says so.
 * </ul>
 *
 * <p>Linux only (posix_spawn, pidfd, /proc).
 */
@NullMarked
package org.asyncop.process;

import org.jspecify.annotations.NullMarked;
