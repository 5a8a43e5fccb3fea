package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.asyncop.process.internal.Native;
import org.junit.jupiter.api.Test;

/** Spawning when this JVM has run out of descriptors, made for real. */
class ResourceLimitTest {
  private static final int RLIMIT_NOFILE = 7;

  @Test
  void outOfDescriptorsIsAFailWithEmfileAndLeavesNothing() throws Exception {
    POSIX posix = POSIXFactory.getNativePOSIX();
    try (AoContext ctx = AoContext.builder().name("emfile").build()) {
      ChildProcesses procs = ChildProcesses.of(ctx);
      ProcessSpec spec = ProcessSpec.builder()
          .command("echo", "hi").stdout(Output.capture(100)).build();
      // load every class of the spawn and failure paths now: with no descriptor left, the class
      // loader cannot open a class file
      new Procs.Op(ctx, procs, spec).awaitOutcome();
      new Procs.Op(ctx, procs, ProcessSpec.of("no-such-program-asyncop")).awaitOutcome();
      RLimit before = posix.getrlimit(RLIMIT_NOFILE);
      int fdsBefore = Procs.ownFdCount();
      List<Integer> hog = new ArrayList<>();
      Procs.Op op;
      // a lower soft limit keeps the number of descriptors to exhaust small
      assertEquals(0, posix.setrlimit(RLIMIT_NOFILE, fdsBefore + 64, before.rlimMax()));
      try {
        for (int fd; (fd = Native.LIBC.open("/dev/null", Native.O_RDONLY | Native.O_CLOEXEC, 0)) >= 0; ) {
          hog.add(fd);
        }
        assertEquals(24, Native.errno(), "the test did not reach EMFILE"); // EMFILE
        op = new Procs.Op(ctx, procs, spec);
      } finally {
        for (int fd : hog) {
          Native.LIBC.close(fd);
        }
        posix.setrlimit(RLIMIT_NOFILE, before.rlimCur(), before.rlimMax());
      }
      ChildExit e = op.awaitExit();
      assertEquals(Rc.FAIL, e.rc());
      SpawnException se = assertInstanceOf(SpawnException.class, e.failure());
      assertEquals(24, se.errno());
      assertEquals("echo", se.program());
      assertTrue(se.getMessage().contains("EMFILE"), se.getMessage());
      assertEquals(Rc.FAIL, op.awaitOutcome().rc());
      // at most as many: another part of the JVM may close one meanwhile (seen once), none may leak
      int fdsAfter = Procs.ownFdCount();
      assertTrue(fdsAfter <= fdsBefore,
          "a descriptor of the failed spawn leaked: " + fdsBefore + " before, " + fdsAfter + " after");

      // and the service still works once descriptors are back
      assertEquals(Rc.OK, new Procs.Op(ctx, procs, ProcessSpec.of("true")).awaitExit().rc());
    }
  }
}
