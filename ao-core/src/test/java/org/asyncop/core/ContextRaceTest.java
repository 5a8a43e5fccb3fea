package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncop.core.internal.EventLoop;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/** Races of the context's bookkeeping: begin against close and delivery, services against close. */
class ContextRaceTest {
  private static final int INVOCATIONS = Integer.getInteger("asyncop.lincheck.invocations", 100);

  /** A service that counts how often it was told that close began. */
  static final class CountingService implements ContextService {
    final AtomicInteger told = new AtomicInteger();

    @Override
    public void closeBegun() {
      told.incrementAndGet();
    }
  }

  @Test
  void serviceCreatedWhileCloseBeginsIsToldExactlyOnce() {
    Lincheck.runConcurrentTest(
        INVOCATIONS,
        () -> {
          ContextImpl ctx = new ContextImpl(AoContext.builder().name("svc"), false);
          AtomicReference<CountingService> made = new AtomicReference<>();
          Thread user =
              new Thread(() -> made.set(ctx.service(CountingService.class, c -> new CountingService())));
          Thread closer = new Thread(ctx::closeAsync);
          user.start();
          closer.start();
          try {
            user.join();
            closer.join();
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          assertEquals(1, made.get().told.get(), "closeBegun calls");
        });
  }

  /**
   * An operation begun from outside can reach its loop through a driver (a structure the loop
   * polls) before the begin's own task does; if the loop ends it first, the context must neither
   * keep it listed nor lose count of it.
   */
  @Test
  void operationEndedBeforeItsBeginArrivedIsNotLeftListed() {
    ContextImpl ctx = new ContextImpl(AoContext.builder().name("early"), false);
    EventLoop loop = ctx.loop(0);
    AtomicReference<Ao<String>> handed = drivenCompleter(loop);
    busy(loop);
    Recorder<String> r = new Recorder<>();
    Ao<String> ao = ctx.begin(r.how());
    handed.set(ao);
    loop.runPending();
    assertEquals(Rc.OK, r.outcomes.get(0).rc());
    AtomicReference<List<AoInfo>> live = new AtomicReference<>();
    loop.execute(() -> live.set(ctx.liveOperations()));
    loop.runPending();
    assertEquals(List.of(), live.get(), "live operations after the only one was delivered");
  }

  /**
   * The same, with close beginning while the begin is on its way: close must still finish. The
   * close is started from inside the begin (through the context's ticker, which begin reads after
   * its open check) because no real thread can hit that window deterministically.
   */
  @Test
  void closeRacingABeginWhoseOperationEndsEarlyStillFinishes() {
    AtomicBoolean closeNow = new AtomicBoolean();
    AtomicReference<ContextImpl> self = new AtomicReference<>();
    Ticker closingTicker =
        () -> {
          if (closeNow.getAndSet(false)) {
            self.get().closeAsync();
          }
          return System.nanoTime();
        };
    ContextImpl ctx = new ContextImpl(AoContext.builder().name("close-early").ticker(closingTicker), false);
    self.set(ctx);
    EventLoop loop = ctx.loop(0);
    AtomicReference<Ao<String>> handed = drivenCompleter(loop);
    busy(loop);
    // close asks each service for terminated() once every operation has ended
    AtomicBoolean opsEnded = new AtomicBoolean();
    ctx.service(Probe.class, c -> new Probe(opsEnded));
    Recorder<String> r = new Recorder<>();
    closeNow.set(true);
    Ao<String> ao = ctx.begin(r.how()); // passes the open check, then close begins
    handed.set(ao);
    loop.runPending();
    assertEquals(1, r.outcomes.size());
    assertTrue(opsEnded.get(), "close saw every operation end");
  }

  /** Records that close reached its services' phase: every operation had ended. */
  static final class Probe implements ContextService {
    final AtomicBoolean opsEnded;

    Probe(AtomicBoolean opsEnded) {
      this.opsEnded = opsEnded;
    }

    @Override
    public CompletionStage<?> terminated() {
      opsEnded.set(true);
      return ContextService.super.terminated();
    }
  }

  /** A driver that completes whatever operation is handed to it. */
  private static AtomicReference<Ao<String>> drivenCompleter(EventLoop loop) {
    AtomicReference<Ao<String>> handed = new AtomicReference<>();
    loop.execute(
        () ->
            loop.addDriver(
                now -> {
                  Ao<String> a = handed.getAndSet(null);
                  if (a != null) {
                    a.complete("v");
                  }
                  return LoopDriver.IDLE;
                }));
    loop.runPending();
    return handed;
  }

  /** Queues more tasks than the loop runs between two polls of its drivers. */
  private static void busy(EventLoop loop) {
    for (int i = 0; i < 300; i++) {
      loop.execute(() -> {});
    }
  }
}
