package org.asyncop.core;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One asynchronous operation, bound to one loop of its context.
 *
 * <p>Lifecycle: RUNNING, then CANCELLING once a cancel was requested, then COMPLETED once one of
 * {@link #complete}, {@link #fail} or {@link #cancelled} was called. The outcome reaches the
 * caller exactly once, and only after every registration of the operation has been released:
 * when the caller hears it, nothing of the operation is left running.
 *
 * <p>Every method is safe to call from any thread; called on the operation's own loop it takes the
 * fast path, without a hand-off. Hooks, progress listeners and the completion callback run on the
 * loop (or, for the last two, on the {@link AoHow#deliverOn} executor), one at a time, never
 * inside the call that caused them.
 *
 * @param <T> the type of the value of an OK outcome
 */
public interface Ao<T> {

  /**
   * Pushes a cancel hook. When a cancel is requested the hooks are popped and run last pushed
   * first, each exactly once, on the loop. The hook is also run when the operation completes
   * while it is still registered, and promptly (right after the current loop task, never inside
   * this call) when it is pushed after a cancel was requested or after completion: a resource
   * that raced the end is never left behind.
   *
   * <p>Once the hook has run, the registration is released; closing the registration before
   * that removes the hook in O(1) without running it.
   *
   * @throws NullPointerException if {@code hook} is null
   * @throws IllegalStateException if called off the loop after the context has stopped
   *     (its loop is gone: nothing could run the hook)
   */
  Registration onCancel(CancelHook hook);

  /**
   * Pushes {@code node}, a resource that is its own cancel hook and registration, with the
   * contract of {@link #onCancel(CancelHook)}: its {@link HookNode#cancel()} runs on the loop,
   * last pushed first, exactly once if the node is still registered when the operation is
   * cancelled or completes, and promptly when pushed after that; once it ran, the node is
   * released. Pushing a node again while it is registered, or after it was closed, does nothing.
   *
   * @return {@code node}, whose {@link HookNode#close()} removes it in O(1)
   * @throws NullPointerException if {@code node} is null
   * @throws IllegalArgumentException if {@code node} was made for another operation
   * @throws IllegalStateException if called off the loop after the context has stopped
   *     (its loop is gone: nothing could run the hook)
   */
  Registration onCancel(HookNode node);

  /**
   * Like {@link #onCancel(CancelHook)}, for a resource that outlives its hook: a child process
   * that is killed but not yet reaped, a watch whose removal is still under way. The operation's
   * outcome is held back until the returned registration is closed, whether or not the hook ran.
   * The resource closes it when it is fully released.
   *
   * @throws NullPointerException if {@code hook} is null
   * @throws IllegalStateException if called off the loop after the context has stopped
   *     (its loop is gone: nothing could run the hook)
   */
  Registration attach(CancelHook hook);

  /**
   * Completes the operation with {@link Rc#OK}. Hooks still registered are cancelled first, last
   * pushed first; the outcome is delivered once every registration has been released.
   *
   * @throws IllegalStateException if the operation was already completed
   */
  void complete(@Nullable T value);

  /**
   * Completes the operation with {@link Rc#FAIL}.
   *
   * @throws NullPointerException if {@code cause} is null
   * @throws IllegalStateException if the operation was already completed
   */
  void fail(Throwable cause);

  /**
   * Completes the operation with {@link Rc#CANCEL}; its failure is the reason given to the first
   * cancel that carried one, or a plain {@code CancellationException}.
   *
   * @throws IllegalStateException if the operation was already completed
   */
  void cancelled();

  /**
   * Completes the operation with {@link Rc#CANCEL}, handing {@code kept} to the caller: what the
   * operation made and, as asked, left in place instead of destroying it (a domain created before
   * the cancel, kept on request). The failure is as for {@link #cancelled()}. In future mode the
   * kept value goes to {@link AoHow#onDropped}, since the result future is cancelled.
   *
   * @throws IllegalStateException if the operation was already completed
   */
  void cancelled(@Nullable T kept);

  /**
   * Reports progress to the caller's listener. Reports reach the listener in the order they were
   * made and before the completion callback; reports made after completion are dropped.
   *
   * @throws NullPointerException if {@code progress} is null
   */
  void reportProgress(Progress progress);

  /**
   * Begins a child operation on the same loop. Cancelling this operation cancels the child; the
   * child's outcome is handed to {@code done} on the loop, and this operation's outcome waits for
   * it.
   *
   * @throws NullPointerException if {@code done} is null
   * @throws IllegalStateException if called off the loop after the context has stopped
   *     (its loop is gone: nothing could run the child)
   */
  <U> Ao<U> nest(Consumer<Outcome<U>> done);

  /**
   * Begins a child operation that a plain {@link #cancel()} of this operation does not reach: the
   * place for cleanup after a cancel. A cancel aimed at the child itself still reaches it (so a
   * deadline on it bounds the cleanup), and {@link #cancelNow()} of this operation reaches it too;
   * this operation's outcome then names {@code purpose} in {@link Outcome#abandoned()}. Nested on
   * an operation whose outcome was already delivered, the child is cancelled at once, like any
   * registration on a finished operation.
   *
   * @throws NullPointerException if {@code purpose} or {@code done} is null
   * @throws IllegalStateException if called off the loop after the context has stopped
   *     (its loop is gone: nothing could run the child)
   */
  <U> Ao<U> nestShielded(String purpose, Consumer<Outcome<U>> done);

  /**
   * Requests a cancel: the hooks run on the loop, last pushed first. Safe at any time.
   *
   * @return true if this call requested the cancel; false if one was already requested or the
   *     operation was already completed (then nothing runs)
   */
  boolean cancel();

  /**
   * Requests a cancel with a reason; an operation that then ends with {@link #cancelled()} carries
   * the reason as its failure (a deadline gives a {@code TimeoutException}).
   *
   * @throws NullPointerException if {@code reason} is null
   * @return true if this call requested the cancel
   */
  boolean cancel(Throwable reason);

  /**
   * Forces a cancel: like {@link #cancel()}, and also reaches shielded children, whose cleanup is
   * then abandoned and named in the outcome. After completion, while the outcome still waits for
   * a shielded child, it still reaches that child (a plain cancel no longer does anything then).
   *
   * @return true if this call requested the forced cancel; false if one was already requested or
   *     the outcome was already delivered
   */
  boolean cancelNow();

  /** Whether a cancel (plain or forced) was requested. */
  boolean isCancelRequested();

  /** Whether a forced cancel was requested, directly or through a parent. */
  boolean isCancelNowRequested();

  /**
   * Whether the operation was completed: true from the completing call on, even while the
   * delivery of its outcome is still waiting for resources to be released.
   */
  boolean isDone();

  /**
   * A new detachable handle to this operation, for the caller. Each call returns a new handle,
   * which its holder must close.
   */
  CancelHandle handle();

  /** The loop this operation is bound to. */
  AoLoop loop();

  /** The context this operation belongs to. */
  AoContext context();

  /**
   * Posts {@code task} to run on this operation's loop (what resources use to hand results back).
   * Tasks posted from one thread run in the order they were posted. After the context has stopped
   * its loops, the task is dropped and logged, as by {@link AoLoop#execute}.
   *
   * @throws NullPointerException if {@code task} is null
   */
  void execute(Runnable task);
}
