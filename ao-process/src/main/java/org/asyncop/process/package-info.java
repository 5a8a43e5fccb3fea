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
 * <p>Linux only (posix_spawn, pidfd, /proc).
 */
@NullMarked
package org.asyncop.process;

import org.jspecify.annotations.NullMarked;
