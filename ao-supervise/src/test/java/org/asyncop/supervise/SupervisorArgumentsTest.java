package org.asyncop.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.asyncop.core.AoContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every public entry point refuses bad input at the call, naming the argument. */
class SupervisorArgumentsTest {
  private static final ServiceKey<String, Integer> A = ServiceKey.of("test", "a");

  private static void npe(String name, Executable call) {
    assertEquals(name, assertThrows(NullPointerException.class, call).getMessage());
  }

  private static void iae(String prefix, Executable call) {
    String m = assertThrows(IllegalArgumentException.class, call).getMessage();
    if (!m.startsWith(prefix)) {
      throw new AssertionError("message should name " + prefix + ": " + m);
    }
  }

  @Test
  void nullsAndBadValuesAreRefused() {
    try (AoContext ctx = AoContext.create()) {
      Supervisor sup = Supervisor.builder(ctx).start();
      ServiceFactory<String, Integer> f = ao -> (m, r) -> r.ok(1);
      npe("ctx", () -> Supervisor.builder(null));
      npe("name", () -> Supervisor.builder(ctx).name(null));
      iae("name", () -> Supervisor.builder(ctx).name(""));
      npe("policy", () -> Supervisor.builder(ctx).defaultPolicy(null));
      npe("period", () -> Supervisor.builder(ctx).intensity(1, null));
      iae("period", () -> Supervisor.builder(ctx).intensity(1, Duration.ZERO));
      iae("maxRestarts", () -> Supervisor.builder(ctx).intensity(-1, Duration.ofSeconds(1)));
      npe("key", () -> sup.start(null, f));
      npe("factory", () -> sup.start(A, null));
      npe("policy", () -> sup.start(A, null, f));
      npe("key", () -> sup.stop(null));
      npe("key", () -> sup.restart(null));
      npe("key", () -> sup.send(null, "m"));
      npe("message", () -> sup.send(A, null));
      npe("key", () -> sup.lookup(null));
      npe("serviceClass", () -> ServiceKey.of(null, "n"));
      npe("name", () -> ServiceKey.of("c", null));
      iae("serviceClass", () -> ServiceKey.of("", "n"));
      iae("name", () -> ServiceKey.of("c", ""));
      Services.join(sup.start(A, ao -> {
        ao.onCancel(ao::cancelled);
        return (m, r) -> {
          npe("cause", () -> r.fail(null));
          r.ok(1);
          assertThrows(IllegalStateException.class, () -> r.ok(2));
        };
      }));
      assertEquals(1, Services.join(sup.send(A, "m")));
    }
  }
}
