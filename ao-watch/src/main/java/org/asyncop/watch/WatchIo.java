package org.asyncop.watch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.CancelHook;
import org.asyncop.core.ContextService;
import org.asyncop.core.PostGate;
import org.asyncop.core.Registration;

/**
 * The per-context service behind {@link Watches}: a small pool of daemon threads that make the
 * store calls that may block, so that no loop thread ever waits on a store.
 *
 * <p>Up to {@value #THREADS} threads, started on demand and stopped after {@value #IDLE_SECONDS} s
 * idle. The context's close waits for {@link #terminated()}: by then every operation has ended, so
 * no new work comes; the pool finishes what is queued and its threads exit.
 */
final class WatchIo implements ContextService {
  static final int THREADS = 4;
  static final int IDLE_SECONDS = 10;

  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final ThreadPoolExecutor pool;
  private final String ctxName;
  /** Stopped when the context's close reached terminated(): its loops are about to stop. */
  private final PostGate gate = new PostGate();

  WatchIo(AoContext ctx) {
    this.ctxName = ctx.name();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory tf =
        r -> {
          Thread t = new Thread(r, ctx.name() + "-watch-io-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.pool =
        new ThreadPoolExecutor(
            THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), tf) {
          @Override
          protected void terminated() {
            WatchIo.this.terminated.complete(null);
          }
        };
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * @throws IllegalStateException if the context has stopped (a start posted to its loop would be
   *     dropped, and its callback never called)
   */
  static WatchIo of(AoContext ctx) {
    WatchIo io = ctx.service(WatchIo.class, WatchIo::new);
    if (io.gate.isStopped()) {
      throw io.refusal();
    }
    return io;
  }

  private IllegalStateException refusal() {
    return new IllegalStateException("context " + ctxName + " has stopped; no new watches");
  }

  /**
   * Any thread: attaches {@code hook} to {@code ao} here, on the calling thread, then runs {@code
   * start} with the returned hold on {@code ao}'s loop: at once when called there (the loop runs
   * until terminated() has completed), else posted through the gate, so a post racing the stop is
   * refused (nothing attached) or reaches the loop before it stops. Attaching before the post
   * makes the outcome wait for the watch even if the ao completes on its loop before the start
   * runs there (ao-core counts an attach from another thread made before the completion); {@code
   * start} owns the hold and sees that it is closed, also when the watch has already ended.
   * Starting calls no user code: every callback is posted, so none runs inside the initiating
   * call.
   *
   * @throws IllegalStateException if the context has stopped
   */
  void start(Ao<?> ao, CancelHook hook, Consumer<Registration> start) {
    if (ao.loop().inLoop()) {
      start.accept(ao.attach(hook));
    } else {
      gate.post(
          () -> {
            Registration hold = ao.attach(hook);
            ao.execute(() -> start.accept(hold));
          },
          this::refusal);
    }
  }

  /** Where blocking store calls run. */
  Executor io() {
    return pool;
  }

  @Override
  public CompletionStage<?> terminated() {
    CompletableFuture<Void> posted = gate.stop();
    pool.shutdown();
    return posted.thenCombine(terminated, (a, b) -> null);
  }

  @Override
  public String toString() {
    return "WatchIo[" + pool + "]";
  }
}
