package org.asyncop.supervise;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/*
 * One message's answer. The sender holds `future`; the service answers through ok/fail from any
 * thread; the supervisor abandons it on its loop when the message reached no service or the
 * service ended first. Whoever moves `state` out of OPEN completes the future, so it is completed
 * exactly once.
 */
final class ReplyImpl<R> implements Reply<R> {
  /*
   * state, by CAS:
   *   OPEN -> ANSWERED   the service answered (ok, fail, or it crashed in receive)
   *   OPEN -> ABANDONED  the supervisor failed it: no service, or the service ended first
   * Both are final. A second answer by the service is a bug (IllegalStateException); an answer
   * after ABANDONED is dropped, since the sender already heard why.
   */
  private static final int OPEN = 0;
  private static final int ANSWERED = 1;
  private static final int ABANDONED = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ReplyImpl.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final CompletableFuture<R> future = new CompletableFuture<>();
  private volatile int state;
  /** The incarnation that tracks this reply while it is open; set on the loop before receive. */
  volatile Child<?, ?>.@Nullable Incarnation owner;

  @Override
  public void ok(R value) {
    if (answer()) {
      future.complete(value);
    }
  }

  @Override
  public void fail(Throwable cause) {
    requireNonNull(cause, "cause");
    if (answer()) {
      future.completeExceptionally(cause);
    }
  }

  /** Loop: the service crashed in receive; answers with the crash unless it answered already. */
  void crashed(Throwable cause) {
    if (STATE.compareAndSet(this, OPEN, ANSWERED)) {
      future.completeExceptionally(cause);
      untrack();
    }
  }

  /** Loop: nobody will answer; the sender hears {@code why}. */
  void abandon(Throwable why) {
    if (STATE.compareAndSet(this, OPEN, ABANDONED)) {
      future.completeExceptionally(why);
    }
  }

  private boolean answer() {
    if (STATE.compareAndSet(this, OPEN, ANSWERED)) {
      untrack();
      return true;
    }
    if (state == ANSWERED) {
      throw new IllegalStateException("this message was already answered");
    }
    return false;
  }

  private void untrack() {
    Child<?, ?>.Incarnation o = owner;
    if (o != null) {
      o.untrack(this);
    }
  }
}
