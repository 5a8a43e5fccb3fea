package org.asyncop.core;

/**
 * What a resource does when the operation it belongs to is cancelled: make its source finish early
 * (remove a timer, kill a child, drop a watch). The source then reports {@link Rc#CANCEL} to its
 * own callback.
 *
 * <p>Runs on the operation's loop, at most once. It may throw: the error is recorded on the
 * operation's outcome ({@link Outcome#hookErrors()}) and the next hook still runs.
 */
@FunctionalInterface
public interface CancelHook {
  /** Makes the resource finish early. Called on the operation's loop, at most once. */
  void cancel() throws Exception;
}
