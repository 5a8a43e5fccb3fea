package org.asyncop.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A module's per-context service (the timers, the child reaper, the selector), attached once per
 * context by type through {@link AoContext#service(Class, java.util.function.Function)}.
 *
 * <p>Close waits for every service: after the operations have ended and the holds are released,
 * it waits for each service's {@link #terminated()} before it stops the loops, so a service may
 * still post to the loops while it winds down. A service that posts to the loops from other
 * threads guards those posts with a {@link PostGate}, stopped and waited for in {@code
 * terminated()}, so that none is dropped by the loops' stop.
 */
public interface ContextService {
  /**
   * Called once, on the thread that began the close (possibly a loop thread), when close begins;
   * for a service created after close began, on the thread that created it, inside {@link
   * AoContext#service}. Must not block.
   */
  default void closeBegun() {}

  /**
   * Completes when the service has released everything it holds (threads, descriptors). Called
   * once, after the context's operations have all ended.
   */
  default CompletionStage<?> terminated() {
    return CompletableFuture.completedFuture(null);
  }
}
