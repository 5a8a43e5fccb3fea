package org.asyncop.examples.domain;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.ContextService;
import org.asyncop.core.Outcome;
import org.asyncop.core.Registration;

/**
 * Store calls of the workflow, run off the loop: a store may block (a folder on a slow disk,
 * ZooKeeper across the network), and a loop thread must never wait. One thread per context,
 * attached as a {@link ContextService} so that the context's close waits for it.
 */
final class StoreIo implements ContextService {
  private final ExecutorService io;

  private StoreIo(AoContext ctx) {
    io = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, ctx.name() + "-domain-store-io");
      t.setDaemon(true);
      return t;
    });
  }

  static StoreIo of(AoContext ctx) {
    return ctx.service(StoreIo.class, StoreIo::new);
  }

  /**
   * Runs {@code call} on the store thread and hands its outcome to {@code done} on the ao's loop.
   * A store call cannot be interrupted, so a cancel does not cut it short: the ao's outcome waits
   * for it ({@link Ao#attach}), and {@code done} still hears how it went.
   */
  <V> void run(Ao<?> ao, String what, Callable<V> call, Consumer<Outcome<V>> done) {
    Registration held = ao.attach(() -> {});
    Runnable task = () -> {
      Outcome<V> o;
      try {
        o = Outcome.ok(call.call());
      } catch (Exception e) {
        o = Outcome.failed(new IllegalStateException(what + " failed: " + e.getMessage(), e));
      }
      Outcome<V> result = o;
      ao.execute(() -> {
        try {
          done.accept(result);
        } finally {
          held.close();
        }
      });
    };
    try {
      io.execute(task);
    } catch (RejectedExecutionException e) {
      ao.execute(() -> {
        held.close();
        done.accept(Outcome.failed(new IllegalStateException(what + ": context is closing", e)));
      });
    }
  }

  /** Runs what is queued, then lets the thread end; waits for that on a pool thread. */
  @Override
  public CompletionStage<?> terminated() {
    io.shutdown();
    return CompletableFuture.runAsync(() -> {
      boolean interrupted = false;
      while (true) {
        try {
          if (io.awaitTermination(1, TimeUnit.MINUTES)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    });
  }
}
