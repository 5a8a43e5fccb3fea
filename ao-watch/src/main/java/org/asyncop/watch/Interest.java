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
 * One one-shot readiness interest of {@link Channels}: attached to its ao, then registered with
 * the selector of the ao's loop, ended exactly once with OK (ready), CANCEL (cancelled, completed,
 * closed) or FAIL (channel closed).
 *
 * <p>Order of a start: {@link #hold} attaches the cancel hook on the initiating thread, whatever
 * it is, so the ao's outcome waits for the interest from the call on (ao-core counts an attach
 * from another thread before the completion, even if the completion reaches the loop first); then
 * {@link #start}, on the loop (at once, or posted), takes the hold and registers with the
 * selector, unless the interest has ended meanwhile.
 */
final class Interest implements Registration {
  /*
   * state: PENDING -> DONE, once, by CAS. The winner decides the rc. A cancel (the hook, on the
   * loop) or close() (any thread) wins, then posts to the loop a task that drops the interest and
   * then calls the callback, so the ao's outcome (held back by the hold) comes after the key was
   * updated. Readiness or a closed channel (the loop's selector, in its poll) wins after the
   * interest was already dropped there, and calls the callback at once: no hand-off. A failed
   * registration may happen inside the initiating call (the fast path starts on the loop), so its
   * callback is posted.
   *
   * The hold is made on the initiating thread but kept, in `held`, only by start() on the loop: an
   * end may be delivered before start() runs (a close() or the hook, posted ahead of it), so
   * `delivered` tells start() to close the hold itself; otherwise deliver() closes it. Either way
   * it is closed exactly once, after the callback and after the key was updated. Nothing is
   * registered with the selector once the state is DONE. `held`, `delivered`, `selector` and `key`
   * are confined to the loop.
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
  private boolean delivered;
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

  /**
   * Any thread (the initiating call): holds the ao's outcome back until the interest has ended,
   * with the interest's end as the cancel hook. Hand the result to {@link #start} on the loop.
   */
  Registration hold() {
    return ao.attach(this::cancelled);
  }

  /** Loop, after {@link #hold}: keeps the hold and registers with the loop's selector. */
  void start(Registration hold) {
    if (delivered) {
      hold.close(); // ended before it started: nothing was registered
      return;
    }
    held = hold;
    if (state != PENDING) {
      return; // ended before it started; its callback is on its way and closes the hold
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
    delivered = true;
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
