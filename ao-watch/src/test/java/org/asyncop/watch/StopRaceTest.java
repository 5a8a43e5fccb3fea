package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoLoop;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.CancelHook;
import org.asyncop.core.HookNode;
import org.asyncop.core.Outcome;
import org.asyncop.core.Progress;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A watch or an await begun from another thread on an ended operation while the context stops:
 * its callback comes, or the call throws; it is never silently lost.
 */
class StopRaceTest {
  private final AoContext ctx = AoContext.builder().name("stopping").build();
  private final MemoryStore store = new MemoryStore();

  @AfterEach
  void tearDown() {
    ctx.close();
    store.close();
  }

  /** An operation that has ended: it no longer keeps the context from stopping. */
  private Ao<String> ended() {
    Ops<String> op = Ops.begin(ctx);
    op.ao.complete("done");
    op.awaitOutcome();
    return op.ao;
  }

  private static void await(CountDownLatch l) {
    try {
      assertTrue(l.await(10, SECONDS));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void anAwaitWhoseStartReachesTheLoopAfterTheTimersStopped_endsWithCancel() throws Exception {
    Ao<String> ao = ended();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ctx.loops().get(0).execute(() -> {
      holding.countDown();
      await(release);
    });
    await(holding);
    CompletableFuture<Void> closed = ctx.closeAsync().toCompletableFuture(); // queued behind
    CompletableFuture<Outcome<String>> done = new CompletableFuture<>();
    // passes the checks (the close has not reached the services); its start is queued behind the
    // close, which stops the context's timers before the start runs
    Watches.await(ao, store, "/x", v -> true, ofSeconds(30), done::complete);
    release.countDown();
    assertEquals(Rc.CANCEL, done.get(10, SECONDS).rc());
    closed.get(10, SECONDS);
  }

  @Test
  void aWatchBegunAsTheContextStops_isRefusedAtTheCall_ratherThanNeverHeard() throws Exception {
    Ao<String> ao = ended();
    Watches.watch(ao, store, "/x", e -> {}); // the watch service exists (ended at once: CANCEL)
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Thread> caller = new CompletableFuture<>();
    // A fake only to hold the calling thread inside watch(), past its check that the context has
    // not stopped, when it asks for the loop to post its start to: no real part can stop it there.
    Ao<String> held = new Delegating<>(ao) {
      @Override
      public AoLoop loop() {
        if (Thread.currentThread() == caller.getNow(null)) {
          inCall.countDown();
          await(release);
        }
        return super.loop();
      }
    };
    List<WatchEvent> heard = new CopyOnWriteArrayList<>();
    CompletableFuture<Object> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(Watches.watch(held, store, "/x", heard::add));
      } catch (Throwable e) {
        result.complete(e);
      }
    });
    caller.complete(t);
    t.start();
    await(inCall);
    ctx.closeAsync().toCompletableFuture().get(10, SECONDS); // the loop has stopped
    release.countDown();
    t.join(10_000);
    Object r = result.get(10, SECONDS);
    // the loop is gone, so the listener can never hear the end: the call must say so
    IllegalStateException e = assertInstanceOf(IllegalStateException.class, r, "returned " + r);
    assertTrue(e.getMessage().contains("stopping"), e.getMessage());
    assertEquals(List.of(), heard);
  }

  /** Passes every call to an operation of the context. */
  private static class Delegating<T> implements Ao<T> {
    private final Ao<T> ao;

    Delegating(Ao<T> ao) {
      this.ao = ao;
    }

    @Override
    public Registration onCancel(CancelHook hook) {
      return ao.onCancel(hook);
    }

    @Override
    public Registration onCancel(HookNode node) {
      return ao.onCancel(node);
    }

    @Override
    public Registration attach(CancelHook hook) {
      return ao.attach(hook);
    }

    @Override
    public void complete(T value) {
      ao.complete(value);
    }

    @Override
    public void fail(Throwable cause) {
      ao.fail(cause);
    }

    @Override
    public void cancelled() {
      ao.cancelled();
    }

    @Override
    public void cancelled(T kept) {
      ao.cancelled(kept);
    }

    @Override
    public void reportProgress(Progress progress) {
      ao.reportProgress(progress);
    }

    @Override
    public <U> Ao<U> nest(Consumer<Outcome<U>> done) {
      return ao.nest(done);
    }

    @Override
    public <U> Ao<U> nestShielded(String purpose, Consumer<Outcome<U>> done) {
      return ao.nestShielded(purpose, done);
    }

    @Override
    public boolean cancel() {
      return ao.cancel();
    }

    @Override
    public boolean cancel(Throwable reason) {
      return ao.cancel(reason);
    }

    @Override
    public boolean cancelNow() {
      return ao.cancelNow();
    }

    @Override
    public boolean isCancelRequested() {
      return ao.isCancelRequested();
    }

    @Override
    public boolean isCancelNowRequested() {
      return ao.isCancelNowRequested();
    }

    @Override
    public boolean isDone() {
      return ao.isDone();
    }

    @Override
    public CancelHandle handle() {
      return ao.handle();
    }

    @Override
    public AoLoop loop() {
      return ao.loop();
    }

    @Override
    public AoContext context() {
      return ao.context();
    }

    @Override
    public void execute(Runnable task) {
      ao.execute(task);
    }
  }
}
