package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

/** java.lang.Process keeps working beside our reaper: we never wait for a pid we did not spawn. */
class JdkProcessTest {
  @Test
  void aJdkProcessStartedBesideOursIsReapedByTheJdk() throws Exception {
    try (AoContext ctx = AoContext.builder().name("beside-jdk").build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      Process jdk = new ProcessBuilder("sh", "-c", "sleep 0.3; exit 5").start();
      List<Procs.Op> ours = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ours.add(new Procs.Op(ctx, procs, ProcessSpec.of("sh", "-c", "exit " + i)));
      }
      Procs.Op cancelled = new Procs.Op(ctx, procs, ProcessSpec.of("sleep", "100"));
      cancelled.ao.cancel();
      for (int i = 0; i < ours.size(); i++) {
        assertEquals(i, ours.get(i).awaitExit().exitCode().orElse(-1));
      }
      assertEquals(Rc.CANCEL, cancelled.awaitExit().rc());
      assertEquals(5, jdk.onExit().get(20, TimeUnit.SECONDS).exitValue());
      assertEquals(5, jdk.waitFor());
    }
  }
}
