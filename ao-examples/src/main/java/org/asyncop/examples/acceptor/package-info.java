/**
 * A supervised TCP echo server (seed 004): accept is an asynchronous step on a channel watch,
 * never a blocking call; each connection is an operation of its own under a {@link
 * org.asyncop.supervise.Supervisor}; running out of file descriptors makes the acceptor back off
 * and count it instead of spinning or dying; a failed acceptor is restarted by the supervisor
 * within its intensity limit; stopping the server cancels accept and every connection and waits
 * for them.
 */
@NullMarked
package org.asyncop.examples.acceptor;

import org.jspecify.annotations.NullMarked;
