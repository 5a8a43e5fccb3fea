package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck's general-purpose mode explores the interleavings of the threads each
 * scenario starts) of the operation's state machine: completion, cancel and registrations raced
 * from different threads while the loop runs on a thread of its own, then the loop is run to the
 * end on the test thread and the invariants are checked: exactly one outcome; each hook ran at
 * most once, and exactly once when it was still registered when the cancel or completion came.
 *
 * <p>The context's loops are not started; {@code runPending()} makes the calling thread the loop
 * while it runs, so the model checker sees every thread involved.
 */
class AoLincheckTest {
  private static final int INVOCATIONS = Integer.getInteger("asyncop.lincheck.invocations", 200);

  /** What one scenario observes. */
  private static final class World {
    final ContextImpl ctx = new ContextImpl(AoContext.builder().name("lincheck"), false);
    final AtomicInteger outcomes = new AtomicInteger();
    volatile Rc rc;
    final Ao<String> ao =
        ctx.begin(
            AoHow.<String>callback(
                o -> {
                  rc = o.rc();
                  outcomes.incrementAndGet();
                }));

    void runLoop() {
      ctx.loop(0).runPending();
    }

    /** Runs the loop to the end on this thread and checks there was exactly one outcome. */
    Rc finish() {
      runLoop();
      assertEquals(1, outcomes.get(), "outcomes delivered");
      return rc;
    }
  }

  @Test
  void completeRacesCancelAndHookClose() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          World w = new World();
          AtomicInteger kept = new AtomicInteger();
          AtomicInteger removed = new AtomicInteger();
          w.ao.onCancel(kept::incrementAndGet);
          Registration r = w.ao.onCancel(removed::incrementAndGet);
          w.runLoop(); // both hooks linked
          Thread loop = TestThreads.start(w::runLoop);
          Thread completer = TestThreads.start(() -> w.ao.complete("v"));
          Thread canceller = TestThreads.start(w.ao::cancel);
          Thread closer = TestThreads.start(r::close);
          TestThreads.join(loop, completer, canceller, closer);
          Rc rc = w.finish();
          assertEquals(Rc.OK, rc);
          assertEquals(1, kept.get(), "a hook still registered at completion runs once");
          assertTrue(removed.get() <= 1, "a closed hook runs at most once");
        });
  }

  @Test
  void registerRacesCancelAndCancelNow() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          World w = new World();
          w.runLoop();
          AtomicInteger late = new AtomicInteger();
          AtomicInteger attached = new AtomicInteger();
          Registration[] att = new Registration[1];
          Thread loop = TestThreads.start(w::runLoop);
          Thread registrar =
              TestThreads.start(
                  () -> {
                    w.ao.onCancel(late::incrementAndGet);
                    att[0] = w.ao.attach(attached::incrementAndGet);
                  });
          Thread canceller = TestThreads.start(w.ao::cancel);
          Thread forcer = TestThreads.start(w.ao::cancelNow);
          TestThreads.join(loop, registrar, canceller, forcer);
          w.runLoop();
          assertEquals(1, late.get(), "a hook registered around a cancel runs exactly once");
          assertEquals(1, attached.get(), "an attached hook runs exactly once");
          w.ao.cancelled();
          w.runLoop();
          assertEquals(0, w.outcomes.get(), "the outcome waits for the attached resource");
          att[0].close(); // the resource is gone: release the outcome
          assertEquals(Rc.CANCEL, w.finish());
          assertEquals(1, attached.get(), "an attached hook runs exactly once");
        });
  }

  @Test
  void failRacesCancelNowAndRegistration() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          World w = new World();
          AtomicInteger hook = new AtomicInteger();
          AtomicInteger closedHook = new AtomicInteger();
          w.runLoop();
          Thread loop = TestThreads.start(w::runLoop);
          Thread registrar =
              TestThreads.start(
                  () -> {
                    w.ao.onCancel(hook::incrementAndGet);
                    w.ao.onCancel(closedHook::incrementAndGet).close();
                  });
          Thread failer = TestThreads.start(() -> w.ao.fail(new IllegalStateException("boom")));
          Thread forcer = TestThreads.start(w.ao::cancelNow);
          TestThreads.join(loop, registrar, failer, forcer);
          assertEquals(Rc.FAIL, w.finish());
          assertEquals(1, hook.get(), "a hook registered around the end runs exactly once");
          assertTrue(closedHook.get() <= 1, "a hook closed after registering runs at most once");
        });
  }

  @Test
  void cancelRacesCompletionFromTheLoop() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          World w = new World();
          AtomicInteger hook = new AtomicInteger();
          // the usual resource: its hook completes the operation as cancelled
          w.ao.onCancel(
              () -> {
                hook.incrementAndGet();
                if (!w.ao.isDone()) {
                  w.ao.cancelled();
                }
              });
          w.runLoop();
          Thread loop = TestThreads.start(w::runLoop);
          Thread canceller = TestThreads.start(w.ao::cancel);
          Thread completer =
              TestThreads.start(
                  () ->
                      w.ao.execute(
                          () -> {
                            if (!w.ao.isDone()) {
                              w.ao.complete("v");
                            }
                          }));
          TestThreads.join(loop, canceller, completer);
          Rc rc = w.finish();
          assertEquals(1, hook.get(), "the hook runs once, by cancel or by completion");
          assertTrue(rc == Rc.OK || rc == Rc.CANCEL, "rc " + rc);
        });
  }
}
