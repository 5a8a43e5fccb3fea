package org.asyncop.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncop.core.UserCode;

/**
 * Runs tasks on an executor one at a time, in the order they were submitted: one operation's
 * progress reports and outcome on a caller's executor. A task the executor rejects (or throws
 * anything else on) runs on the fallback executor (the operation's loop) instead, still in order.
 */
public final class SerialExecutor implements Executor {
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  /** True while a drain is scheduled or running; only its holder polls the queue. */
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Executor executor;
  private final Executor fallback;

  public SerialExecutor(Executor executor, Executor fallback) {
    this.executor = requireNonNull(executor, "executor");
    this.fallback = requireNonNull(fallback, "fallback");
  }

  @Override
  public void execute(Runnable task) {
    queue.add(requireNonNull(task, "task"));
    schedule();
  }

  private void schedule() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::drain);
    } catch (Throwable e) { // a rejection, or a broken executor (an Error too): the drain must run
      UserCode.rethrowIfFatal(e);
      Log.warn("delivery executor refused a task; delivering on the loop instead: " + e);
      fallback.execute(this::drain);
    }
  }

  private void drain() {
    Runnable t;
    while ((t = queue.poll()) != null) {
      try {
        t.run();
      } catch (Throwable e) {
        UserCode.rethrowIfFatal(e);
        Log.userCodeThrew("delivery task", e);
      }
    }
    draining.set(false);
    if (!queue.isEmpty()) { // a task arrived after the last poll and saw draining == true
      schedule();
    }
  }
}
