package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * Model checking of a resource that is its own hook node: it finishes on its own on the loop
 * ({@code tryClose}, as a timer that expires) and is then closed on the loop, while its user closes
 * it from another thread and the operation is cancelled from a third. At most one of "finished on
 * its own", "its hook ran" and "the user's close removed it" happens, and the node is released
 * exactly once. The loop is driven by {@code runPending()} so the model checker sees every thread.
 */
class HookNodeLincheckTest {
  private static final int INVOCATIONS = Integer.getInteger("asyncop.lincheck.invocations", 200);

  /** Counts its hook runs and releases. */
  private static final class Res extends HookNode {
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    final AtomicInteger closedByUser = new AtomicInteger();

    Res(Ao<?> ao) {
      super(ao);
    }

    @Override
    protected void cancel() {
      cancels.incrementAndGet();
    }

    @Override
    protected void released() {
      releases.incrementAndGet();
    }

    void finishOnItsOwn() {
      if (tryClose()) {
        finished.incrementAndGet();
      }
    }

    void closeByUser() {
      if (tryClose()) {
        closedByUser.incrementAndGet();
      }
    }
  }

  private static Thread start(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  private static void join(Thread... ts) {
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void ownFinishRacesCloseAndCancel() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          ContextImpl ctx = new ContextImpl(AoContext.builder().name("lincheck-node"), false);
          AtomicInteger outcomes = new AtomicInteger();
          Ao<String> ao = ctx.begin(AoHow.<String>callback(o -> outcomes.incrementAndGet()));
          ao.onCancel(ao::cancelled);
          Res res = new Res(ao);
          ao.onCancel(res);
          ctx.loop(0).runPending(); // linked
          Thread loop =
              start(
                  () -> {
                    ctx.loop(0).runPending();
                    ao.execute(res::finishOnItsOwn);
                    ao.execute(res::close); // on the loop: no CAS, may race the user's close
                    ctx.loop(0).runPending();
                  });
          Thread closer = start(res::closeByUser);
          Thread canceller = start(ao::cancel);
          join(loop, closer, canceller);
          ctx.loop(0).runPending();
          int ended = res.cancels.get() + res.finished.get() + res.closedByUser.get();
          assertTrue(ended <= 1, "more than one way to end: " + ended);
          assertEquals(1, res.releases.get(), "released exactly once");
          assertEquals(1, outcomes.get(), "outcomes delivered");
        });
  }
}
