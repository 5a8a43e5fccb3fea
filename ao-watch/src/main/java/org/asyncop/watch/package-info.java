/**
 * Watches on a store of shared state, and readiness watches on NIO channels, bound to an
 * operation so that a cancel removes them.
 *
 * <p>A {@link org.asyncop.watch.WatchableStore} holds values at hierarchical paths ({@code
 * /local/domain/7/device-model/state}); a node may hold a value and children at once, as in
 * xenstore. Three stores implement it: {@link org.asyncop.watch.MemoryStore} (in-process, the
 * default), {@link org.asyncop.watch.DirectoryStore} (a folder that child processes can write to)
 * and {@link org.asyncop.watch.ZooKeeperStore} (Apache Curator, for several machines).
 *
 * <p>{@link org.asyncop.watch.Watches} binds a watch, or an await of a condition, to an {@link
 * org.asyncop.core.Ao}: store calls that may block run off the loop, and every callback runs on the
 * operation's loop. {@link org.asyncop.watch.Channels} does the same for channel readiness.
 */
@NullMarked
package org.asyncop.watch;

import org.jspecify.annotations.NullMarked;
