/**
 * Modules that unload cleanly (seed 001, Knot Resolver's modules): a {@link
 * org.asyncop.examples.modules.ModuleHost} loads each {@link org.asyncop.examples.modules.Module}
 * in a class loader of its own and begins an operation for it, on which the module registers its
 * timers and channel callbacks. Unloading sends the cleanup event (a cancel of that operation),
 * lets the module wrap up asynchronously without blocking the loop, and calls {@code deinit} only
 * when nothing of the module is registered any more; its classes can then be collected. A module
 * that does not finish within a bound is forced ({@code cancelNow}) and reported by name. {@code
 * quit()} unloads them all, and the loop then ends by itself.
 */
@NullMarked
package org.asyncop.examples.modules;

import org.jspecify.annotations.NullMarked;
