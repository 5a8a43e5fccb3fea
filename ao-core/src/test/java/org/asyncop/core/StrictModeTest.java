package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Behaviour 4 of the core: strict mode reports handles collected without close(). */
class StrictModeTest {
  @Test
  void unclosedHandleIsReportedAndClosedOneIsNot() {
    List<String> leaks = new CopyOnWriteArrayList<>();
    try (AoContext ctx = AoContext.builder().name("strict").strict(true).onLeak(leaks::add).build()) {
      Ao<Void> closedOne = ctx.begin(AoHow.<Void>callback(o -> {}).named("closed-one"));
      closedOne.handle().close();
      Ao<Void> leaky = ctx.begin(AoHow.<Void>callback(o -> {}).named("leaky"));
      leaky.handle(); // dropped without close
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        System.gc();
        return !leaks.isEmpty();
      });
      assertTrue(leaks.get(0).contains("leaky"), leaks::toString);
      assertTrue(leaks.stream().noneMatch(l -> l.contains("closed-one")), leaks::toString);
      closedOne.complete(null);
      leaky.complete(null);
    }
  }
}
