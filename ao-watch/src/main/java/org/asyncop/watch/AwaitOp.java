package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.asyncop.core.Ao;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.timers.Timers;
import org.jspecify.annotations.Nullable;

/**
 * One {@link Watches#await}: watch, read, test, re-read on every change, until the predicate
 * holds, the time runs out, the store fails or the operation is cancelled; exactly one outcome.
 *
 * <p>Ordering: the store watch is made before the first read, so a change between the two is
 * never missed. Reads are one at a time: a change during a read marks the await dirty and one more
 * read follows, so a burst costs at most two reads and the last one sees the current value.
 *
 * <p>The end is one CAS on {@link #state}; the winner delivers {@code done} on the loop, closes
 * the timer and releases the store watch ({@link StoreLink}), whose removal the operation's
 * outcome waits for.
 *
 * <p>Order of a start ({@link WatchIo#start}): the cancel hook ({@link #onCancel}) is attached by
 * the initiating call, on its own thread, so the operation's outcome waits for the await from
 * then on; {@link #start} then runs on the loop and starts the timer and the store watch, unless
 * the await has ended.
 */
final class AwaitOp implements Registration {
  /*
   * state: OPEN -> DONE, once, by CAS, from any thread (the hook and the timer on the loop, a
   * store failure or close() elsewhere). Confined to the loop: link (which also keeps the outcome
   * hold), timer, reading, dirty. `changePending` (any thread) coalesces change notifications into
   * one loop task. The end may come before start() (a close(), or the hook posted ahead of it):
   * start() then hands the hold to the link and starts nothing, and whichever of start() and the
   * end's link.release() runs second closes the hold.
   */
  private static final int OPEN = 0;
  private static final int DONE = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(AwaitOp.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Ao<?> ao;
  private final WatchableStore store;
  private final String path;
  private final Predicate<Optional<String>> until;
  private final Duration timeout;
  private final Consumer<Outcome<String>> done;
  private final StoreLink link;
  private final AtomicBoolean changePending = new AtomicBoolean();
  private volatile int state;

  private @Nullable Registration timer;
  private boolean reading;
  private boolean dirty;

  AwaitOp(
      Ao<?> ao,
      WatchableStore store,
      String path,
      Predicate<Optional<String>> until,
      Duration timeout,
      Consumer<Outcome<String>> done,
      WatchIo io) {
    this.ao = ao;
    this.store = store;
    this.path = path;
    this.until = until;
    this.timeout = timeout;
    this.done = done;
    this.link = new StoreLink(ao, store, path, io.io());
  }

  /**
   * Loop, with the outcome hold the initiating call made: starts the timer, the store watch, and
   * then the first read.
   */
  void start(Registration hold) {
    link.adopt(hold);
    if (state != OPEN) {
      return; // ended before it started: nothing is started
    }
    try {
      timer = Timers.of(ao.context()).timeout(ao, timeout, rc -> {
        if (rc == Rc.FAIL) {
          timedOut(); // CANCEL: the ao was cancelled or completed; the hook ends the await
        }
      });
    } catch (IllegalStateException e) {
      // The context's timers have stopped (posted from another thread, this start raced the
      // close): every operation has ended, this one too, and an await on an ended operation
      // ends with CANCEL, as its hook would have made it. Posted: never inside the await call.
      finishLater(Outcome.cancelled(null));
      return;
    }
    reading = true;
    link.open(this::onStoreChange, this::onStoreFailure, this::read);
  }

  /** Loop: the timer fired. */
  private void timedOut() {
    finishNow(Outcome.failed(new TimeoutException("await of " + path + " timed out after " + timeout)));
  }

  /** Store thread: coalesced into one loop task. */
  private void onStoreChange(String changed) {
    if (state == OPEN && changePending.compareAndSet(false, true)) {
      ao.execute(this::changed);
    }
  }

  /** Loop. */
  private void changed() {
    changePending.set(false);
    if (state != OPEN) {
      return;
    }
    if (reading) {
      dirty = true;
    } else {
      reading = true;
      link.runIo(this::read, this::onStoreFailure);
    }
  }

  /** I/O side (or the loop, for a store that never blocks): one read, result to the loop. */
  private void read() {
    Optional<String> v;
    try {
      v = store.read(path);
    } catch (Throwable e) {
      Log.rethrowIfFatal(e);
      onStoreFailure(e);
      return;
    }
    ao.execute(() -> readDone(v));
  }

  /** Loop. */
  private void readDone(Optional<String> v) {
    reading = false;
    if (state != OPEN) {
      return;
    }
    boolean holds;
    try {
      holds = until.test(v);
    } catch (Throwable e) {
      Log.rethrowIfFatal(e);
      finishNow(Outcome.failed(e));
      return;
    }
    if (holds) {
      finishNow(Outcome.ok(v.orElse(null)));
    } else if (dirty) {
      dirty = false;
      reading = true;
      link.runIo(this::read, this::onStoreFailure);
    }
  }

  private void onStoreFailure(Throwable cause) {
    finishLater(Outcome.failed(cause));
  }

  /** Loop, as the cancel hook. */
  void onCancel() {
    finishNow(Outcome.cancelled(null));
  }

  /** Ends with CANCEL; {@code done} hears it on the loop. Safe from any thread; idempotent. */
  @Override
  public void close() {
    finishLater(Outcome.cancelled(null));
  }

  /** Loop. */
  private void finishNow(Outcome<String> o) {
    if (STATE.compareAndSet(this, OPEN, DONE)) {
      finished(o);
    }
  }

  /** Any thread. */
  private void finishLater(Outcome<String> o) {
    if (STATE.compareAndSet(this, OPEN, DONE)) {
      ao.execute(() -> finished(o));
    }
  }

  /** Loop, after the CAS to DONE: release first, so nothing is left running when done runs. */
  private void finished(Outcome<String> o) {
    Registration t = timer;
    if (t != null) {
      timer = null;
      t.close();
    }
    link.release();
    try {
      done.accept(o);
    } catch (Throwable e) {
      Log.userCodeThrew("await callback on " + path, e);
    }
  }

  @Override
  public String toString() {
    return "Await[" + path + (state == OPEN ? "" : ", done") + "]";
  }
}
