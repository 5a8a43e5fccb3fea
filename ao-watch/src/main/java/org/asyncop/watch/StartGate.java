package org.asyncop.watch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.asyncop.core.Ao;

/**
 * The stop of a service that posts starts to its operations' loops ({@link WatchIo} for watches
 * and awaits, {@link Channels} for interests). Once the context's close reaches the service's
 * {@code terminated()}, the loops are about to stop and a start posted there could be dropped,
 * its callback never called: new starts are refused at the call. A start from another thread that
 * passed the check just before is counted until it is posted, and {@link #stop()} completes only
 * after that, so the service's termination, and so the loops' stop, waits for it.
 */
final class StartGate {
  /*
   * `posting` counts starts from other threads between their check of `stopped` and their post.
   * A start counts itself, then reads `stopped`; stop() sets `stopped`, then reads `posting` (all
   * volatile, so sequentially consistent): at least one sees the other, so the start is refused
   * or stop() waits for it. The last start to leave after the stop completes `posted`.
   */
  private final AtomicInteger posting = new AtomicInteger();
  private final CompletableFuture<Void> posted = new CompletableFuture<>();
  private volatile boolean stopped;

  /** Whether {@link #stop()} was called. Any thread. */
  boolean isStopped() {
    return stopped;
  }

  /**
   * Runs {@code start} on {@code ao}'s loop: at once when called there (the fast path; the loop
   * runs until the stop has completed), else posted. Starting calls no user code: every callback
   * is posted, so none runs inside the initiating call. Any thread.
   *
   * @throws IllegalStateException made by {@code refusal}, if stopped
   */
  void start(Ao<?> ao, Runnable start, Supplier<IllegalStateException> refusal) {
    if (ao.loop().inLoop()) {
      start.run();
      return;
    }
    posting.incrementAndGet();
    try {
      if (stopped) {
        throw refusal.get();
      }
      ao.execute(start);
    } finally {
      if (posting.decrementAndGet() == 0 && stopped) {
        posted.complete(null);
      }
    }
  }

  /** Refuses new starts; completes once every start under way has been posted. Once. */
  CompletableFuture<Void> stop() {
    stopped = true;
    if (posting.get() == 0) { // else the last start under way completes it
      posted.complete(null);
    }
    return posted;
  }
}
