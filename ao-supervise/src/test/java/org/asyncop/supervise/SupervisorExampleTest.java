package org.asyncop.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.asyncop.core.AoContext;
import org.junit.jupiter.api.Test;

/** The example in {@link Supervisor}'s javadoc, compiled and run. */
class SupervisorExampleTest {
  @Test
  void theJavadocExampleRuns() {
    try (AoContext ctx = AoContext.create()) {
      Supervisor sup = Supervisor.builder(ctx).intensity(3, Duration.ofSeconds(5)).start();
      ServiceKey<String, Integer> counter = ServiceKey.of("demo", "counter");
      sup.start(counter, ao -> {
        ao.onCancel(ao::cancelled);              // wind down when stopped
        int[] n = {0};
        return (msg, reply) -> reply.ok(++n[0]); // one message at a time, on the loop
      });
      int two = sup.send(counter, "a").thenCompose(x -> sup.send(counter, "b"))
          .toCompletableFuture().join();
      sup.stop().toCompletableFuture().join();    // stops the services, newest first
      assertEquals(2, two);
    }
  }
}
