package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/** The example of the ChildProcesses javadoc, compiled and run. */
class UsageExampleTest {
  /** An initiating function: runs a build step, completes with its output. */
  static CancelHandle buildStep(AoContext ctx, String script, AoHow<String> how) {
    Ao<String> ao = ctx.begin(how);
    ProcessSpec spec = ProcessSpec.builder()
        .command("sh", "-c", script)
        .stdout(Output.capture(1 << 20))
        .killPolicy(KillPolicy.termThenKill(Duration.ofSeconds(2)))
        .build();
    ChildProcesses.of(ctx).spawn(ao, spec, exit -> {
      switch (exit.rc()) {
        case OK -> ao.complete(exit.stdout());
        case FAIL -> ao.fail(new IllegalStateException("build step failed: " + exit));
        case CANCEL -> ao.cancelled();
        default -> throw new IllegalStateException("Invalid rc: " + exit.rc());
      }
    });
    return ao.handle();
  }

  @Test
  void buildStepCompletesWithItsOutputOrIsCancelled() {
    try (AoContext ctx = AoContext.create()) {
      AoHow<String> done = AoHow.future();
      CancelHandle h = buildStep(ctx, "echo built", done);
      assertEquals("built\n", done.result().join());
      h.close();
      AoHow<String> stopped = AoHow.future();
      try (CancelHandle stop = buildStep(ctx, "sleep 100", stopped)) {
        stop.cancel();
        Outcome<String> o = stopped.outcome().join();
        assertEquals(Rc.CANCEL, o.rc());
      }
    }
  }
}
