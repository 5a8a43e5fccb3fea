package org.asyncop.watch;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Registration;
import org.jspecify.annotations.Nullable;

/**
 * The store side of a watch or an await, as seen from the operation's loop: makes the store watch
 * off the loop (when the store may block), and releases it, holding the operation's outcome back
 * until the store has really dropped it.
 *
 * <p>Order: the outcome hold is made by the initiating call, on whatever thread ({@link
 * WatchIo#start}), so the outcome waits for the watch even if the operation completes on its loop
 * before the posted start runs; the start then hands it here ({@link #adopt}) and, unless the
 * watch or await has ended meanwhile, makes the store watch ({@link #open}).
 *
 * <p>Confined to the operation's loop, except the call to the store, which runs on the I/O
 * executor and posts its result back. States: not adopted; adopted (the hold is here); opened
 * (the store call is under way); established (the store watch exists, or the call failed);
 * released (closed, or to be closed as soon as the call returns, or as soon as the hold is
 * adopted). The outcome hold ({@code held}) is closed exactly once, after the store watch's {@link
 * StoreWatch#removed()} (or at once when there is none).
 */
final class StoreLink {
  private final Ao<?> ao;
  private final WatchableStore store;
  private final String path;
  private final Executor io;

  private @Nullable Registration held;
  private @Nullable StoreWatch storeWatch;
  private boolean opened;
  private boolean callReturned;
  private boolean released;

  StoreLink(Ao<?> ao, WatchableStore store, String path, Executor io) {
    this.ao = ao;
    this.store = store;
    this.path = path;
    this.io = io;
  }

  /**
   * Loop, first: takes the outcome hold made by the initiating call; closes it at once when the
   * link was released before (the watch ended before its start reached the loop).
   */
  void adopt(Registration hold) {
    if (released) {
      hold.close(); // nothing was made
    } else {
      held = hold;
    }
  }

  /**
   * Loop, after {@link #adopt} and before {@link #release}: makes the store watch and, once it
   * exists, runs {@code afterWatch} on the I/O side (the initial read of an await). Store errors
   * go to {@code onFailure} (any thread).
   */
  void open(
      Consumer<String> onChange, Consumer<Throwable> onFailure, @Nullable Runnable afterWatch) {
    opened = true;
    Runnable call =
        () -> {
          StoreWatch w = null;
          Throwable error = null;
          try {
            w = store.watch(path, onChange, onFailure);
          } catch (Throwable e) {
            Log.rethrowIfFatal(e);
            error = e;
          }
          StoreWatch made = w;
          ao.execute(() -> returned(made));
          if (error != null) {
            onFailure.accept(error);
          } else if (afterWatch != null) {
            afterWatch.run();
          }
        };
    runIo(call, onFailure);
  }

  /** Runs {@code task} off the loop when the store may block, else right here. */
  void runIo(Runnable task, Consumer<Throwable> onFailure) {
    if (!store.mayBlock()) {
      task.run();
      return;
    }
    try {
      io.execute(task);
    } catch (RejectedExecutionException e) {
      ao.execute(() -> returned(null));
      onFailure.accept(new IllegalStateException("the context is closing", e));
    }
  }

  /** Loop: the store call returned (with null on failure). */
  private void returned(@Nullable StoreWatch w) {
    if (!opened || callReturned) {
      return;
    }
    callReturned = true;
    storeWatch = w;
    if (released) {
      release();
    }
  }

  /** Loop: drops the store watch; the outcome hold goes once the store confirms. */
  void release() {
    released = true;
    if (opened && !callReturned) {
      return; // returned() finishes the job
    }
    Registration h = held;
    if (h == null) {
      return; // not adopted yet: adopt() closes it
    }
    held = null;
    StoreWatch w = storeWatch;
    if (w == null) {
      h.close();
    } else {
      w.close();
      w.removed().whenComplete((v, e) -> h.close());
    }
  }

  @Override
  public String toString() {
    return "StoreLink[" + path + ", " + store + "]";
  }
}
