package org.asyncop.watch;

import java.util.concurrent.CompletionStage;
import org.asyncop.core.Registration;

/**
 * A watch on a {@link WatchableStore}. {@link #close()} is idempotent, safe from any thread and
 * never blocks; once it returns no new listener call starts (a call already running finishes).
 * Removing the watch from the store itself may take longer (ZooKeeper removes it on the server):
 * {@link #removed()} says when that is done.
 */
public interface StoreWatch extends Registration {
  /**
   * Completes (normally, also when removal failed and was given up) once the store holds nothing
   * of this watch any more: after {@link #close()}, after a failure was reported, or after the
   * store was closed. Never completes before one of those.
   */
  CompletionStage<Void> removed();
}
