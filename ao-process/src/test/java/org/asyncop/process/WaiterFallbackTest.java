package org.asyncop.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalInt;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/** Without pidfd (kernels before 5.3): one waiter thread per child, same guarantees. */
class WaiterFallbackTest {
  @Test
  void exitsCancelsAndGraceWorkWithWaiterThreads() {
    AoContext ctx = AoContext.builder().name("fallback").build();
    ChildProcesses procs = ctx.service(ChildProcesses.class, c -> new ChildProcesses(c, false));
    try {
      ChildExit ok = new Procs.Op(ctx, procs, ProcessSpec.builder()
          .command("echo", "hi").stdout(Output.capture(10)).build()).awaitExit();
      assertEquals(Rc.OK, ok.rc());
      assertEquals("hi\n", ok.stdout());
      assertEquals(OptionalInt.of(3),
          new Procs.Op(ctx, procs, ProcessSpec.of("sh", "-c", "exit 3")).awaitExit().exitCode());

      Procs.Op killed = new Procs.Op(ctx, procs, ProcessSpec.of("sleep", "100"));
      killed.ao.cancel();
      assertEquals(OptionalInt.of(9), killed.awaitExit().signal());
      assertTrue(!killed.presentAtExit);

      Procs.Op termed = new Procs.Op(ctx, procs, ProcessSpec.builder()
          .command("sleep", "100").killPolicy(KillPolicy.termThenKill(Duration.ofSeconds(5))).build());
      termed.ao.cancel();
      assertEquals(OptionalInt.of(15), termed.awaitExit().signal());
    } finally {
      ctx.close();
    }
    await().atMost(Procs.LIVENESS).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("fallback-")));
  }
}
