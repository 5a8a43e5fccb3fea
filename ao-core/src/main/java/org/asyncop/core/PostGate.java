package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * For a {@link ContextService} that posts tasks to its context's loops from other threads (a timer
 * set, a watch started, a child's report): the gate that keeps the context's stop from dropping
 * such a task.
 *
 * <p>Why it is needed: a service's {@link ContextService#terminated()} is the close's last phase
 * before the loops stop, and a task posted to a stopped loop is dropped, so a callback it was to
 * call would never come. Every operation has ended by then, but another thread may still hold an
 * ended operation and call the service. So the service stops its gate in {@code terminated()} and
 * waits for what {@link #stop()} returns: from then on {@link #post} refuses at the call, and a
 * post that passed its check just before is counted until it has posted, so it reaches the loop
 * before the loop stops.
 *
 * <p>Every method is safe from any thread.
 */
public final class PostGate {
  /*
   * `posting` counts posts between their check of `stopped` and the end of their post. A post
   * counts itself, then reads `stopped`; stop() sets `stopped`, then reads `posting` (all
   * volatile, so sequentially consistent): at least one sees the other, so the post is refused or
   * stop() waits for it. The last post to leave after the stop completes `posted`.
   */
  private final AtomicInteger posting = new AtomicInteger();
  private final CompletableFuture<Void> posted = new CompletableFuture<>();
  private volatile boolean stopped;

  /** An open gate. */
  public PostGate() {}

  /** Whether {@link #stop()} has been called. */
  public boolean isStopped() {
    return stopped;
  }

  /**
   * Runs {@code post} on the calling thread, unless the gate is stopped; a {@link #stop()} that
   * begins meanwhile completes only after {@code post} returned. {@code post} should only hand a
   * task to a loop: it must not block, nor call user code.
   *
   * @param post what posts the task (for instance {@code () -> ao.execute(task)})
   * @param refusal makes the exception thrown when the gate is stopped
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException made by {@code refusal}, if the gate is stopped; {@code post} is then
   *     not run
   */
  public void post(Runnable post, Supplier<? extends RuntimeException> refusal) {
    requireNonNull(post, "post");
    requireNonNull(refusal, "refusal");
    posting.incrementAndGet(); // before the check: a concurrent stop() then waits for this post
    try {
      if (stopped) {
        throw refusal.get();
      }
      post.run();
    } finally {
      if (posting.decrementAndGet() == 0 && stopped) {
        posted.complete(null);
      }
    }
  }

  /**
   * Refuses every later {@link #post}. Idempotent.
   *
   * @return completes once every post under way when this was called has returned (a copy:
   *     completing it does not affect the gate)
   */
  public CompletableFuture<Void> stop() {
    stopped = true;
    if (posting.get() == 0) { // else the last post under way completes it
      posted.complete(null);
    }
    return posted.copy();
  }

  @Override
  public String toString() {
    return "PostGate[" + (stopped ? "stopped" : "open") + ", posting=" + posting.get() + "]";
  }
}
