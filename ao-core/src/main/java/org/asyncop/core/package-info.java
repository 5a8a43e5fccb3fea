/**
 * Cancellable asynchronous operations.
 *
 * <p>An {@link org.asyncop.core.AoContext} owns event loops; {@link org.asyncop.core.AoContext#begin}
 * starts an {@link org.asyncop.core.Ao} bound to one of them. Everything the operation waits on
 * (a timer, a child process, a watch, a nested operation) pushes a {@link
 * org.asyncop.core.CancelHook} onto the operation (or is one: a {@link org.asyncop.core.HookNode},
 * its own hook and registration in one object); a cancel pops and runs them, last pushed first,
 * each exactly once, on the operation's loop. The caller hears the end exactly once, through the
 * {@link org.asyncop.core.AoHow} it passed: {@link org.asyncop.core.Rc#OK}, {@link
 * org.asyncop.core.Rc#FAIL} or {@link org.asyncop.core.Rc#CANCEL}, and only after every resource of
 * the operation has been released.
 *
 * <p>Confinement: hooks, progress listeners and completion callbacks of one operation run on its
 * loop, one at a time, never inside a library lock and never inside the call that caused them.
 * Every public method is safe to call from any thread.
 *
 * <p>Other modules attach to a context through {@link org.asyncop.core.ContextService}; the
 * package {@code org.asyncop.core.internal} is machinery, not API.
 */
@NullMarked
package org.asyncop.core;

import org.jspecify.annotations.NullMarked;
