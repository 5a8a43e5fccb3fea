package org.asyncop.supervise;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.asyncop.core.Ao;
import org.asyncop.core.Outcome;
import org.asyncop.core.Registration;
import org.jspecify.annotations.Nullable;

/*
 * One supervised service: its key, policy and factory, and its current incarnation.
 *
 * Everything is written on the supervisor's loop only. The fields read by lookup() and children()
 * from other threads are volatile; the rest is confined to the loop.
 *
 * state (see ChildInfo.State):
 *   RUNNING -> STOPPING    stop or restart requested (its operation is cancelled), or the
 *                          supervisor is stopping it, or its incarnation's outcome arrived
 *   STOPPING -> RESTARTING its incarnation ended on its own and the policy restarts it later
 *   STOPPING, RESTARTING -> RUNNING  a new incarnation was launched
 *   any -> (removed)       it ended for good: dropped from the supervisor's maps
 * `current` is the incarnation: set by each launch (a new service is RUNNING a moment before its
 * first one), cleared when its outcome arrives, after the state became STOPPING.
 */
final class Child<M, R> {
  final ServiceKey<M, R> key;
  final RestartPolicy policy;
  final ServiceFactory<M, R> factory;
  /** Start order within the supervisor; stop goes by it, newest first. */
  final long seq;

  volatile ChildInfo.State state = ChildInfo.State.RUNNING;
  volatile long startedNanos;
  volatile int restarts;
  volatile @Nullable Throwable lastFailure;
  /** Written on the loop; read by lookup() to see an incarnation that ended on its own. */
  volatile @Nullable Incarnation current;

  // ---- confined to the loop ----
  @Nullable Outcome<?> lastOutcome;
  /** Restarts in a row, for the backoff. */
  int streak;
  @Nullable Registration backoff;
  boolean stopRequested;
  boolean restartRequested;
  final List<CompletableFuture<Outcome<?>>> stopWaiters = new ArrayList<>(1);
  final List<CompletableFuture<Void>> restartWaiters = new ArrayList<>(1);

  Child(ServiceKey<M, R> key, RestartPolicy policy, ServiceFactory<M, R> factory, long seq) {
    this.key = key;
    this.policy = policy;
    this.factory = factory;
    this.seq = seq;
  }

  /** One run of the service, from its factory to its outcome. */
  final class Incarnation {
    /** Set by the supervisor right after it began the operation, before anything can use it. */
    Ao<Void> ao;
    final long startedNanos;
    final boolean first;
    @Nullable Service<M, R> service;
    /** The factory threw: on a first start the service is then dropped, not restarted. */
    boolean failedAtStart;
    /** Messages received and not answered yet; failed when the incarnation ends. Loop only. */
    private final Set<ReplyImpl<?>> pending = new HashSet<>();

    Incarnation(long startedNanos, boolean first) {
      this.startedNanos = startedNanos;
      this.first = first;
    }

    /** Loop: the reply is handed to the service. */
    void track(ReplyImpl<?> r) {
      r.owner = this;
      pending.add(r);
    }

    /** Any thread: the reply was answered. */
    void untrack(ReplyImpl<?> r) {
      if (ao.loop().inLoop()) {
        pending.remove(r);
      } else {
        ao.execute(() -> pending.remove(r));
      }
    }

    /** Loop: the incarnation ended; whatever it did not answer fails. */
    void abandonPending() {
      // a copy: failing one sender's stage runs its actions here, and one of them may answer
      // another of these messages (the service waiting on its own request), which untracks it
      List<ReplyImpl<?>> left = new ArrayList<>(pending);
      pending.clear();
      for (ReplyImpl<?> r : left) {
        r.abandon(new ServiceNotRunningException(key, "ended before it answered"));
      }
    }
  }
}
