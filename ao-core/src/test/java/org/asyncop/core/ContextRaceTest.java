package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/** Races of the context's bookkeeping: begin against close and delivery, services against close. */
class ContextRaceTest {
  private static final int INVOCATIONS = Integer.getInteger("asyncop.lincheck.invocations", 200);

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
}
