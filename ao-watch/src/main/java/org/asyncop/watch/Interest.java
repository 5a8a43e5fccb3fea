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
 * One one-shot readiness interest of {@link Channels}: registered on the selector thread, ended
 * exactly once with OK (ready), CANCEL (cancelled, completed, closed) or FAIL (channel closed).
 */
final class Interest implements Registration {
  /*
   * state: PENDING -> DONE, once, by CAS. The winner decides the rc. A cancel (loop) or close()
   * (any thread) wins, then asks the selector thread to drop the interest and only then posts the
   * callback, so the ao's outcome (held back by `held`) comes after the key was updated. Readiness
   * or a closed channel (selector thread) wins after the interest was already dropped there.
   * `held` is confined to the loop.
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
  private final SelectorLoop selector;
  private @Nullable Registration held;
  /** The key this interest is on; confined to the selector thread. */
  @Nullable SelectionKey key;

  private volatile int state;

  Interest(Ao<?> ao, SelectableChannel ch, int op, Consumer<Rc> callback, SelectorLoop selector) {
    this.ao = ao;
    this.ch = ch;
    this.op = op;
    this.callback = callback;
    this.selector = selector;
  }

  /** Loop: holds the ao's outcome and hands the interest to the selector thread. */
  void start() {
    if (state != PENDING) {
      return; // closed before it started; its callback is on its way
    }
    held = ao.attach(this::cancelled);
    selector.execute(() -> selector.register(this));
  }

  boolean isPending() {
    return state == PENDING;
  }

  /** Loop, as the cancel hook. */
  private void cancelled() {
    close();
  }

  @Override
  public void close() {
    if (STATE.compareAndSet(this, PENDING, DONE)) {
      selector.execute(
          () -> {
            selector.unregister(this);
            post(Rc.CANCEL);
          });
    }
  }

  /** Selector thread, after the interest was dropped: ready (OK) or the channel failed (FAIL). */
  void fired(Rc rc) {
    if (STATE.compareAndSet(this, PENDING, DONE)) {
      post(rc);
    }
  }

  private void post(Rc rc) {
    ao.execute(
        () -> {
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
        });
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
