package org.asyncop.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One registration on an operation: a cancel hook, an attached resource, or (see {@link ChildLink})
 * a nested operation. It is its own {@link Registration} and its own loop task.
 */
class HookNode implements Registration, Runnable {
  /*
   * state, changed by CAS from any thread:
   *   ARMED  -> FIRED   the loop started the hook (only the loop does this)
   *   ARMED  -> CLOSED  removed before it fired (close(), any thread)
   *   FIRED  -> CLOSED  released: a plain hook once it returned, an attached resource once closed
   * CLOSED is final. Whoever moves the node to CLOSED makes sure the loop releases it: inline
   * when on the loop, otherwise by posting the node itself (run() then sees CLOSED).
   *
   * The links and the two flags below are confined to the loop:
   *   inStack  the node is in its operation's hook stack (or children list, for a ChildLink)
   *   counted  the node holds back its operation's outcome (linked and not yet released)
   */
  static final int ARMED = 0;
  static final int FIRED = 1;
  static final int CLOSED = 2;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(HookNode.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final AoImpl<?> ao;
  private final @Nullable CancelHook hook;
  /** The outcome waits for close(), even after the hook ran. */
  final boolean attached;

  private volatile int state;

  @Nullable HookNode prev;
  @Nullable HookNode next;
  boolean inStack;
  boolean counted;

  HookNode(AoImpl<?> ao, @Nullable CancelHook hook, boolean attached) {
    this.ao = ao;
    this.hook = hook;
    this.attached = attached;
  }

  final int stateAcquire() {
    return state;
  }

  final boolean casState(int expected, int next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /** Runs the hook; called on the loop after the node moved to FIRED. */
  void fire(boolean forced) throws Exception {
    if (hook != null) {
      hook.cancel();
    }
  }

  @Override
  public final void close() {
    for (; ; ) {
      int s = state;
      if (s == CLOSED) {
        return;
      }
      if (casState(s, CLOSED)) {
        break;
      }
    }
    if (ao.loop.inLoop()) {
      ao.release(this);
    } else {
      ao.loop.execute(this);
    }
  }

  /** As a loop task: links a node registered from another thread, or releases a closed one. */
  @Override
  public final void run() {
    if (state == CLOSED) {
      ao.release(this);
    } else {
      ao.link(this);
    }
  }

  @Override
  public String toString() {
    String s = switch (state) {
      case ARMED -> "ARMED";
      case FIRED -> "FIRED";
      case CLOSED -> "CLOSED";
      default -> throw new IllegalStateException("Invalid state: " + state);
    };
    return getClass().getSimpleName() + "[" + s + ", hook=" + hook + "]";
  }
}
