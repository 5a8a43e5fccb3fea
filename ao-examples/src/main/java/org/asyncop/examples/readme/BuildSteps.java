package org.asyncop.examples.readme;

import java.time.Duration;
import java.util.List;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Progress;
import org.asyncop.process.ChildProcesses;
import org.asyncop.process.Output;
import org.asyncop.process.ProcessSpec;
import org.asyncop.timers.Timers;

/** The initiating function shown in README.md, compiled and tested. */
public final class BuildSteps {
  private final AoContext ctx;

  public BuildSteps(AoContext ctx) {
    this.ctx = ctx;
  }

  /** Runs one build step as a child process, bound by a deadline; OK with what it printed. */
  public CancelHandle run(List<String> command, Duration limit, AoHow<String> how) {
    Ao<String> ao = ctx.begin(how);
    Timers.of(ctx).deadline(ao, limit); // when it passes: cancel(new TimeoutException(...))
    ao.reportProgress(Progress.of("running", String.join(" ", command)));
    ProcessSpec spec = ProcessSpec.builder().command(command).stdout(Output.capture(1 << 20)).build();
    ChildProcesses.of(ctx).spawn(ao, spec, exit -> { // on the ao's loop, after the reap
      switch (exit.rc()) {
        case OK -> ao.complete(exit.stdout());
        case FAIL -> ao.fail(new IllegalStateException("step failed: " + exit));
        case CANCEL -> ao.cancelled(); // killed (SIGKILL to its group) by a cancel or the deadline
      }
    });
    return ao.handle();
  }
}
