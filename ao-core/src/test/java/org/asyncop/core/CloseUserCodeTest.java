package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Close calls user code of holds and services (prepareToStop, closeBegun, terminated). Whatever
 * that code throws, short of a VirtualMachineError, is logged (as everywhere else, see {@link
 * UserCode}) and the close goes on: it must neither throw at the caller nor stall for good.
 */
class CloseUserCodeTest {

  /** Throws what a Kotlin or sneaky-throwing lambda may: a checked exception, or an Error. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> void sneakyThrow(Throwable t) throws E {
    throw (E) t;
  }

  @Test
  void prepareToStopAndCloseBegunThatThrowCheckedOrErrorDoNotStopTheClose() {
    AoContext ctx = AoContext.builder().name("close-throws").build();
    List<String> told = new CopyOnWriteArrayList<>();
    Hold bad = ctx.hold(() -> sneakyThrow(new java.io.IOException("socket already closed")));
    Hold good = ctx.hold(() -> told.add("hold"));
    class BadService implements ContextService {
      @Override
      public void closeBegun() {
        throw new AssertionError("closeBegun broke");
      }
    }
    class GoodService implements ContextService {
      @Override
      public void closeBegun() {
        told.add("service");
      }
    }
    ctx.service(BadService.class, c -> new BadService());
    ctx.service(GoodService.class, c -> new GoodService());
    Recorder<Void> r = new Recorder<>();
    Ao<Void> ao = ctx.begin(r.how());
    ao.onCancel(ao::cancelled);

    CompletableFuture<Void> closed = ctx.closeAsync().toCompletableFuture();

    assertEquals(Rc.CANCEL, r.awaitOne().rc(), "the operation in flight was cancelled");
    assertTrue(told.containsAll(List.of("hold", "service")), "told: " + told);
    bad.close();
    good.close();
    closed.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
    assertTrue(ctx.close(Duration.ZERO));
  }

  @Test
  void terminatedThatThrowsAnErrorDoesNotKeepTheLoopsRunning() {
    AoContext ctx = AoContext.builder().name("term-throws").build();
    class BadService implements ContextService {
      @Override
      public CompletionStage<?> terminated() {
        throw new AssertionError("terminated broke");
      }
    }
    ctx.service(BadService.class, c -> new BadService());
    assertTrue(ctx.close(Duration.ofSeconds(10)), "closed within the bound");
  }
}
