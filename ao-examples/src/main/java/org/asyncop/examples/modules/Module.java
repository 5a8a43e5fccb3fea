package org.asyncop.examples.modules;

import org.asyncop.core.Ao;

/**
 * A loadable module, as Knot Resolver's C modules with their {@code init} and {@code deinit}.
 *
 * <p>The host creates the module (public no-argument constructor) in a class loader of its own,
 * then calls {@link #init} with the operation that is the module's lifetime. Everything the module
 * waits on (timers, channel watches, nested operations) is registered on that operation.
 *
 * <p>The cleanup event is the cancel of that operation: the module's cancel hooks run, its timers
 * and watches report CANCEL to their callbacks, and the module wraps up as it needs (finishing
 * pending writes in a shielded nested operation, say), then completes the operation. The host
 * calls {@link #deinit} once the operation's outcome arrived, which the core delivers only after
 * every registration of it was released: nothing of the module is left in the loop.
 */
public interface Module {
  /**
   * Starts the module. Called once, on the host's loop; must not block. Throwing fails the load.
   */
  void init(Ao<Void> ao, ModuleEnv env) throws Exception;

  /**
   * Called once, on the host's loop, after the module's operation ended and released everything
   * it held; the host then drops the module and its class loader. Must not block. Not called when
   * {@link #init} threw.
   */
  default void deinit() {}
}
