package org.asyncop.examples.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/** The README's example does what the README says. */
class BuildStepsTest {
  @Test
  void theCallerOfTheReadme() {
    try (AoContext ctx = AoContext.create()) {
      List<String> progress = new CopyOnWriteArrayList<>();
      AoHow<String> how = AoHow.<String>future().onProgress(p -> progress.add(p.toString()));
      try (CancelHandle h = new BuildSteps(ctx).run(List.of("echo", "built"), Duration.ofMinutes(1), how)) {
        Outcome<String> o = how.outcome().join();
        assertEquals(Rc.OK, o.rc());
        assertEquals("built\n", o.value());
        assertEquals(List.of("running: echo built"), progress);
        assertTrue(h.isDone());
      }
    }
  }

  @Test
  void theDeadlineKillsTheStep() {
    try (AoContext ctx = AoContext.create()) {
      AoHow<String> how = AoHow.future();
      new BuildSteps(ctx).run(List.of("sleep", "60"), Duration.ofMillis(100), how).close();
      Outcome<String> o = how.outcome().join();
      assertEquals(Rc.CANCEL, o.rc());
      assertInstanceOf(TimeoutException.class, o.failure());
      assertTrue(how.result().isCompletedExceptionally());
    }
  }
}
