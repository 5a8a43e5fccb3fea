package org.asyncop.timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every public method refuses bad input at the call, with a message naming the argument. */
class BadInputTest {
  private static final Duration D = Duration.ofSeconds(1);
  private static final Duration NEG = Duration.ofMillis(-1);
  private static final Consumer<Rc> CB = rc -> {};

  private static void throwsNaming(Class<? extends Throwable> type, String name, Executable call) {
    Throwable t = assertThrows(type, call);
    assertTrue(t.getMessage() != null && t.getMessage().contains(name),
        "message should name " + name + ": " + t.getMessage());
  }

  @Test
  void nullsAndNegativeDurationsAreRefusedNamingTheArgument() {
    try (AoContext ctx = AoContext.create()) {
      Timers t = Timers.of(ctx);
      Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
      throwsNaming(NullPointerException.class, "ctx", () -> Timers.of(null));

      throwsNaming(NullPointerException.class, "ao", () -> t.timeout(null, D, CB));
      throwsNaming(NullPointerException.class, "after", () -> t.timeout(ao, null, CB));
      throwsNaming(NullPointerException.class, "callback", () -> t.timeout(ao, D, null));
      throwsNaming(IllegalArgumentException.class, "after", () -> t.timeout(ao, NEG, CB));

      throwsNaming(NullPointerException.class, "ao", () -> t.sleep(null, D, CB));
      throwsNaming(NullPointerException.class, "d", () -> t.sleep(ao, null, CB));
      throwsNaming(NullPointerException.class, "callback", () -> t.sleep(ao, D, null));
      throwsNaming(IllegalArgumentException.class, "d", () -> t.sleep(ao, NEG, CB));

      throwsNaming(NullPointerException.class, "ao", () -> t.every(null, D, CB));
      throwsNaming(NullPointerException.class, "period", () -> t.every(ao, null, CB));
      throwsNaming(NullPointerException.class, "callback", () -> t.every(ao, D, null));
      throwsNaming(IllegalArgumentException.class, "period", () -> t.every(ao, NEG, CB));
      throwsNaming(IllegalArgumentException.class, "period", () -> t.every(ao, Duration.ZERO, CB));

      throwsNaming(NullPointerException.class, "ao", () -> t.deadline(null, D));
      throwsNaming(NullPointerException.class, "d", () -> t.deadline(ao, null));
      throwsNaming(IllegalArgumentException.class, "d", () -> t.deadline(ao, NEG));
      ao.complete(null);
    }
  }

  @Test
  void anAoOfAnotherContextIsRefused() {
    try (AoContext a = AoContext.builder().name("a").build();
        AoContext b = AoContext.builder().name("b").build()) {
      Ao<Void> ofB = b.begin(AoHow.callback(o -> {}));
      throwsNaming(IllegalArgumentException.class, "ao", () -> Timers.of(a).timeout(ofB, D, CB));
      ofB.complete(null);
    }
  }

  @Test
  void aStoppedContextRefusesNewTimers() {
    AoContext ctx = AoContext.builder().name("gone").build();
    Timers t = Timers.of(ctx);
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
    ao.complete(null);
    ctx.close();
    Throwable e = assertThrows(IllegalStateException.class, () -> t.timeout(ao, D, CB));
    assertTrue(e.getMessage().contains("gone"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> Timers.of(ctx));
  }

  @Test
  void hugeDurationsAreAccepted() {
    try (AoContext ctx = AoContext.create()) {
      Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
      Calls calls = new Calls();
      Timers.of(ctx).timeout(ao, Duration.ofSeconds(Long.MAX_VALUE), calls);
      Timers.of(ctx).every(ao, Duration.ofDays(365 * 1000), calls);
      ao.cancel();
      calls.awaitCount(2);
      assertEquals(2, calls.rcs.stream().filter(rc -> rc == Rc.CANCEL).count());
      ao.cancelled();
    }
  }
}
