package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.jspecify.annotations.Nullable;

/**
 * One one-shot readiness interest of {@link Channels}: registered with the selector of the ao's
 * loop, ended exactly once with OK (ready), CANCEL (cancelled, completed, closed) or FAIL (channel
 * closed).
 */
final class Interest implements Registration {
  /*
   * state: PENDING -> DONE, once, by CAS. The winner decides the rc. A cancel (loop) or close()
   * (any thread) wins, then posts to the loop a task that drops the interest and then calls the
   * callback, so the ao's outcome (held back by `held`) comes after the key was updated. Readiness
   * or a closed channel (the loop's selector, in its poll) wins after the interest was already
   * dropped there, and calls the callback at once: no hand-off. A failed registration may happen
   * inside the initiating call (the fast path starts on the loop), so its callback is posted.
   * `held`, `selector` and `key` are confined to the loop.
   */
  private static final int PENDING = 0;
  private static final int DONE = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Interest.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Ao<?> ao;
  final SelectableChannel ch;
  final int op;
  private final Consumer<Rc> callback;
  private final Channels channels;
  private @Nullable LoopSelector selector;
  private @Nullable Registration held;
  /** The key this interest is on; confined to the loop. */
  @Nullable SelectionKey key;

  private volatile int state;

  Interest(Ao<?> ao, SelectableChannel ch, int op, Consumer<Rc> callback, Channels channels) {
    this.ao = ao;
    this.ch = ch;
    this.op = op;
    this.callback = callback;
    this.channels = channels;
  }

  /** Loop: holds the ao's outcome and registers with the loop's selector. */
  void start() {
    if (state != PENDING) {
      return; // closed before it started; its callback is on its way
    }
    held = ao.attach(this::cancelled);
    if (state != PENDING) {
      return; // the hook ran at once
    }
    LoopSelector s;
    try {
      s = channels.selectorOf(ao.loop());
    } catch (RuntimeException e) {
      Log.warn("no selector for " + this, e);
      failed();
      return;
    }
    selector = s;
    s.register(this);
  }

  /** Loop, as the cancel hook. */
  private void cancelled() {
    close();
  }

  @Override
  public void close() {
    if (STATE.compareAndSet(this, PENDING, DONE)) {
      ao.execute(
          () -> {
            LoopSelector s = selector;
            if (s != null) {
              s.unregister(this);
            }
            deliver(Rc.CANCEL);
          });
    }
  }

  /** Loop, in the selector's poll, after the interest was dropped: ready (OK) or closed (FAIL). */
  void fired(Rc rc) {
    if (STATE.compareAndSet(this, PENDING, DONE)) {
      deliver(rc);
    }
  }

  /** Loop, possibly inside the initiating call: the registration failed (FAIL), posted. */
  void failed() {
    if (STATE.compareAndSet(this, PENDING, DONE)) {
      ao.execute(() -> deliver(Rc.FAIL));
    }
  }

  private void deliver(Rc rc) {
    try {
      callback.accept(rc);
    } catch (Throwable e) {
      Log.userCodeThrew("readiness callback on " + ch, e);
    }
    Registration h = held;
    held = null;
    if (h != null) {
      h.close();
    }
  }

  static String opName(int op) {
    return switch (op) {
      case SelectionKey.OP_ACCEPT -> "accept";
      case SelectionKey.OP_READ -> "read";
      case SelectionKey.OP_WRITE -> "write";
      case SelectionKey.OP_CONNECT -> "connect";
      default -> throw new IllegalStateException("Invalid op: " + op);
    };
  }

  @Override
  public String toString() {
    return "Interest[" + opName(op) + " on " + ch + (state == PENDING ? "" : ", done") + "]";
  }
}
