/**
 * Timeouts, sleeps, periodic timers and deadlines bound to an {@link org.asyncop.core.Ao}.
 *
 * <p>{@link org.asyncop.timers.Timers#of} gives a context's timers. Each timer pushes a cancel
 * hook on its operation, so a cancel (or the operation's completion, or the context's close)
 * stops it; its callback runs on the operation's loop, exactly once for a one-shot timer.
 */
@NullMarked
package org.asyncop.timers;

import org.jspecify.annotations.NullMarked;
