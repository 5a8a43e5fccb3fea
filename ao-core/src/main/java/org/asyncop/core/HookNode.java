package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.asyncop.core.internal.Log;
import org.jspecify.annotations.Nullable;

/**
 * A cancel hook that is its own registration: a resource extends it and pushes itself with {@link
 * Ao#onCancel(HookNode)}, so that the resource, its hook and its {@link Registration} are one
 * object (a timer, say, allocates nothing else). It behaves as a hook pushed with {@link
 * Ao#onCancel(CancelHook)}: {@link #cancel()} runs on the operation's loop, last pushed first,
 * at most once, also when the operation completes while the node is registered, and promptly
 * (after the current loop task) when it is pushed after a cancel or after completion. Once
 * {@code cancel()} has run, the node is released.
 *
 * <p>{@link #close()} removes it in O(1) from any thread; once close returns, {@code cancel()}
 * will not be started (if it is running on the loop, it finishes). {@link #tryClose()} does the
 * same and says whether this call removed it, for a resource that finishes on its own and must
 * know whether it won against close and cancel. {@link #released()} tells the resource, on the
 * loop, when the operation no longer holds the node, whichever way it went.
 */
public abstract class HookNode implements Registration {
  /*
   * state, changed by CAS from any thread:
   *   ARMED  -> FIRED   the loop started the hook (only the loop does this)
   *   ARMED  -> CLOSED  removed before it fired (close(), any thread)
   *   FIRED  -> CLOSED  released: a plain hook once it returned, an attached resource once closed
   * CLOSED is final. Whoever moves the node to CLOSED makes sure the loop releases it: inline
   * when on the loop, otherwise by posting a release task. On the loop, close() writes CLOSED
   * without a CAS: every other move is the loop's own, so only another thread's close can race
   * it, and that one also writes CLOSED; both then release, and RELEASED makes the second do
   * nothing.
   *
   * flags: ATTACHED is fixed at construction; the other bits are confined to the loop:
   *   IN_STACK  the node is in its operation's hook stack (or children list, for a ChildLink)
   *   COUNTED   the node holds back its operation's outcome (linked and not yet released)
   *   RELEASED  the loop released the node after it was closed; released() has been called
   */
  static final byte ARMED = 0;
  static final byte FIRED = 1;
  static final byte CLOSED = 2;

  /** The outcome waits for close(), even after the hook ran. */
  static final byte ATTACHED = 1;

  static final byte IN_STACK = 2;
  static final byte COUNTED = 4;
  static final byte RELEASED = 8;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(HookNode.class, "state", byte.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final AoImpl<?> ao;
  @Nullable HookNode prev;
  @Nullable HookNode next;
  private volatile byte state;
  byte flags;

  /**
   * A node for a hook on {@code ao}; push it with {@code ao.onCancel(node)}.
   *
   * @throws NullPointerException if {@code ao} is null
   * @throws IllegalArgumentException if {@code ao} is not an operation begun by an {@link
   *     AoContext}
   */
  protected HookNode(Ao<?> ao) {
    requireNonNull(ao, "ao");
    if (!(ao instanceof AoImpl<?> a)) {
      throw new IllegalArgumentException("ao must be begun by an AoContext, was " + ao);
    }
    this.ao = a;
  }

  HookNode(AoImpl<?> ao, boolean attached) {
    this.ao = ao;
    this.flags = attached ? ATTACHED : 0;
  }

  /**
   * Makes the resource finish early: the operation was cancelled, or completed while the node was
   * registered. Called on the operation's loop, at most once, never after {@link #close()} or a
   * successful {@link #tryClose()} returned. It may throw: the error is recorded on the
   * operation's outcome ({@link Outcome#hookErrors()}) and the next hook still runs.
   */
  protected abstract void cancel() throws Exception;

  /**
   * The operation no longer holds this node: it was closed, or its {@link #cancel()} ran. Called
   * on the operation's loop, once, after {@code cancel()} returned or by the close that removed
   * it: inside that {@link #close()} or {@link #tryClose()} when it is called on the loop (so
   * inside {@code cancel()} when the node closes itself there), otherwise in a task it posts;
   * not called for a node that was never pushed and never closed. Does nothing by default. A
   * throw is logged; the loop goes on.
   */
  protected void released() {}

  /**
   * Any thread: for a resource that will push this node later, from a loop task of its own (one
   * that takes many resources at once, so the loop wakes once for them all), rather than now. From
   * this call until {@link #reservationEnded(boolean)}, the operation's outcome waits, as it waits
   * for a node pushed now from another thread: a completion that reaches the loop ahead of that
   * task is not delivered before the node has been pushed and has run (or was closed). Once the
   * operation has completed this counts nothing, so a late reservation cannot hold back an
   * outcome already fixed.
   *
   * <p>Call it at most once per node, before handing the node to that task, and make sure the task
   * runs (post it while the context accepts work: see {@link PostGate}); it must end the
   * reservation whether or not it pushes the node, or the outcome is never delivered.
   *
   * @return whether the operation counted the reservation; pass it to {@code reservationEnded}
   */
  protected final boolean reservePush() {
    return ao.reserveLink();
  }

  /**
   * On the operation's loop: ends a {@link #reservePush()}, after the node was pushed with {@code
   * ao.onCancel(node)} or when it will never be (its resource ended first). The outcome, if the
   * operation has completed and nothing else holds it back, is then delivered in a task of its own.
   *
   * @param reserved what {@code reservePush()} returned
   */
  protected final void reservationEnded(boolean reserved) {
    ao.reservedLinkEnded(reserved);
  }

  /** The operation this node belongs to. */
  protected final Ao<?> ao() {
    return ao;
  }

  /** Whether the node is neither closed nor fired: its {@link #cancel()} may still be started. */
  protected final boolean isOpen() {
    return state == ARMED;
  }

  /**
   * Closes the node if it is still open, like {@link #close()}. Any thread.
   *
   * @return true if this call closed it (then {@link #cancel()} is never started); false if it
   *     was closed already or its cancel has started
   */
  protected final boolean tryClose() {
    if (!STATE.compareAndSet(this, ARMED, CLOSED)) {
      return false;
    }
    releaseSoon();
    return true;
  }

  @Override
  public final void close() {
    if (ao.loop.inLoop()) {
      if (state != CLOSED) {
        STATE.setRelease(this, CLOSED);
        ao.release(this);
      }
      return;
    }
    for (; ; ) {
      byte s = state;
      if (s == CLOSED) {
        return;
      }
      if (STATE.compareAndSet(this, s, CLOSED)) {
        break;
      }
    }
    releaseSoon();
  }

  /** This call moved the node to CLOSED: the loop releases it, inline if we are the loop. */
  private void releaseSoon() {
    AoImpl<?> a = ao;
    if (a.loop.inLoop()) {
      a.release(this);
    } else {
      a.loop.execute(() -> a.release(this));
    }
  }

  final byte stateAcquire() {
    return state;
  }

  final boolean casState(byte expected, byte next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /** Runs the hook; called on the loop after the node moved to FIRED. */
  void fire(boolean forced) throws Exception {
    cancel();
  }

  /** Loop: calls {@link #released()}, logging a throw. */
  final void callReleased() {
    try {
      released();
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      Log.userCodeThrew("released() of " + this, e);
    }
  }

  final boolean has(byte flag) {
    return (flags & flag) != 0;
  }

  final void set(byte flag) {
    flags |= flag;
  }

  final void clear(byte flag) {
    flags &= (byte) ~flag;
  }

  /** The state's name, for toString. */
  final String stateName() {
    byte s = state;
    return switch (s) {
      case ARMED -> "ARMED";
      case FIRED -> "FIRED";
      case CLOSED -> "CLOSED";
      default -> throw new IllegalStateException("Invalid state: " + s);
    };
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + stateName() + ", ao=" + ao.name() + "]";
  }
}
