package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Every public method of the core API, given null where it takes a reference that is not
 * {@code @Nullable}, throws NullPointerException naming the parameter, at the call.
 */
class NullArgumentsTest {
  private static final Map<Class<?>, Object> SAMPLES = Map.ofEntries(
      Map.entry(String.class, "x"),
      Map.entry(Runnable.class, (Runnable) () -> {}),
      Map.entry(CancelHook.class, (CancelHook) () -> {}),
      Map.entry(Consumer.class, (Consumer<Object>) o -> {}),
      Map.entry(Function.class, (Function<Object, Object>) o -> null),
      Map.entry(Supplier.class, (Supplier<Object>) () -> new IllegalStateException("sample")),
      Map.entry(Executor.class, (Executor) Runnable::run),
      Map.entry(Throwable.class, new Exception("sample")),
      Map.entry(Duration.class, Duration.ofMillis(1)),
      Map.entry(Progress.class, Progress.of("p")),
      Map.entry(Class.class, ContextService.class),
      Map.entry(Ticker.class, Ticker.SYSTEM),
      Map.entry(LoopDriver.class, (LoopDriver) now -> LoopDriver.IDLE));

  @Test
  void publicApiRejectsNullsNamingTheArgument() throws Exception {
    AoContext ctx = AoContext.builder().name("nulls").build();
    try {
      List<String> checked = new ArrayList<>();
      check(ctx, AoContext.class, checked);
      Ao<Object> ao = ctx.begin(AoHow.callback(o -> {}));
      check(ao, Ao.class, checked);
      ao.cancelled();
      check(AoHow.future(), AoHow.class, checked);
      check(AoContext.builder(), AoContext.Builder.class, checked);
      check(null, AoHow.class, checked);
      check(null, Progress.class, checked);
      check(null, Outcome.class, checked);
      check(ctx.loops().get(0), AoLoop.class, checked);
      check(new PostGate(), PostGate.class, checked);
      assertTrue(checked.size() >= 29, checked::toString);
    } finally {
      ctx.close(Duration.ofSeconds(5));
    }
  }

  private static void check(@Nullable Object target, Class<?> type, List<String> checked)
      throws Exception {
    for (Method m : type.getMethods()) {
      if (m.getDeclaringClass() == Object.class
          || (target == null) != Modifier.isStatic(m.getModifiers())
          || m.getName().equals("addDriver")) { // loop-thread only; checked separately below
        continue;
      }
      Parameter[] ps = m.getParameters();
      for (int i = 0; i < ps.length; i++) {
        if (ps[i].getType().isPrimitive() || ps[i].isAnnotationPresent(Nullable.class)
            || ps[i].getAnnotatedType().isAnnotationPresent(Nullable.class)) {
          continue;
        }
        Object[] args = new Object[ps.length];
        for (int j = 0; j < ps.length; j++) {
          args[j] = j == i ? null : sample(ps[j].getType(), m);
        }
        try {
          m.invoke(target, args);
          fail(m + " accepted null for " + ps[i].getName());
        } catch (InvocationTargetException e) {
          Throwable t = e.getCause();
          assertInstanceOf(NullPointerException.class, t, m + " with null " + ps[i].getName());
          assertEquals(ps[i].getName(), t.getMessage(), m.toString());
        }
        checked.add(type.getSimpleName() + "." + m.getName() + "(" + ps[i].getName() + ")");
      }
    }
  }

  private static Object sample(Class<?> type, Method m) {
    if (type == int.class) {
      return 1;
    }
    if (type == boolean.class) {
      return true;
    }
    Object s = SAMPLES.get(type);
    if (s == null) {
      throw new AssertionError("no sample of " + type + " for " + m);
    }
    return s;
  }

  @Test
  void addDriverOffTheLoopIsRefused() {
    AoContext ctx = AoContext.create();
    try {
      assertThrows(NullPointerException.class, () -> ctx.loops().get(0).addDriver(null));
      assertThrows(IllegalStateException.class,
          () -> ctx.loops().get(0).addDriver(now -> LoopDriver.IDLE));
    } finally {
      ctx.close();
    }
  }

  @Test
  void badValuesAreRefusedWithTheirName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AoContext.builder().loops(0));
    assertEquals("loops must be at least 1, was 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> AoContext.builder().loops(-3));
    assertEquals("loops must be at least 1, was -3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> AoContext.builder().name(""));
    assertEquals("name must not be empty", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Progress.of(""));
    assertEquals("phase must not be empty", e.getMessage());
    AoContext ctx = AoContext.create();
    try {
      e = assertThrows(IllegalArgumentException.class, () -> ctx.close(Duration.ofSeconds(-1)));
      assertEquals("timeout must not be negative, was PT-1S", e.getMessage());
    } finally {
      ctx.close();
    }
  }
}
