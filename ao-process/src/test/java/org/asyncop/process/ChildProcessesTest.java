package org.asyncop.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.LoopDriver;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Children that end on their own: status, output, input, environment, spawn failures. */
class ChildProcessesTest {
  private AoContext ctx;
  private ChildProcesses procs;

  @TempDir Path tmp;

  @BeforeEach
  void setUp() {
    ctx = AoContext.builder().name("proc-test").build();
    procs = ChildProcesses.of(ctx);
  }

  @AfterEach
  void tearDown() {
    ctx.close();
  }

  private Procs.Op run(ProcessSpec spec) {
    return new Procs.Op(ctx, procs, spec);
  }

  @Test
  void exitZeroIsOk() {
    Procs.Op op = run(ProcessSpec.of("true"));
    ChildExit e = op.awaitExit();
    assertEquals(Rc.OK, e.rc());
    assertEquals(OptionalInt.of(0), e.exitCode());
    assertEquals(OptionalInt.empty(), e.signal());
    assertEquals(op.child.pid(), e.pid());
    assertTrue(op.exitOnLoop, "the exit is delivered on the ao's loop");
    assertEquals(Rc.OK, op.awaitOutcome().rc());
  }

  @Test
  void nonZeroExitIsFailWithItsCode() {
    ChildExit e = run(ProcessSpec.of("sh", "-c", "exit 3")).awaitExit();
    assertEquals(Rc.FAIL, e.rc());
    assertEquals(OptionalInt.of(3), e.exitCode());
    assertEquals(OptionalInt.empty(), e.signal());
  }

  @Test
  void deathByASignalWeDidNotSendIsFailWithTheSignal() {
    ChildExit e = run(ProcessSpec.of("sh", "-c", "kill -USR1 $$")).awaitExit();
    assertEquals(Rc.FAIL, e.rc());
    assertEquals(OptionalInt.of(10), e.signal()); // SIGUSR1
    assertEquals(OptionalInt.empty(), e.exitCode());
  }

  @Test
  void theChildIsReapedBeforeItsExitAndTheOutcomeAreDelivered() {
    Procs.Op op = run(ProcessSpec.of("true"));
    op.awaitOutcome();
    assertFalse(op.presentAtExit, "the child was still in /proc when its exit callback ran");
    assertFalse(op.presentAtOutcome, "the child was still in /proc when the ao's callback ran");
    assertTrue(op.child.isDone());
  }

  @Test
  void capturesMoreThanAPipeBuffer() {
    int size = 1 << 20; // 16 pipe buffers of 64 KiB
    ChildExit e = run(ProcessSpec.builder()
        .command("head", "-c", String.valueOf(size), "/dev/zero")
        .stdout(Output.capture(2 * size))
        .build()).awaitExit();
    assertEquals(Rc.OK, e.rc());
    assertEquals(size, e.stdoutBytes().length);
    assertFalse(e.stdoutTruncated());
    assertFalse(e.pipesForceClosed());
  }

  @Test
  void captureKeepsTheBoundAndDrainsTheRest() {
    ChildExit e = run(ProcessSpec.builder()
        .command("head", "-c", "500000", "/dev/zero")
        .stdout(Output.capture(1000))
        .build()).awaitExit();
    assertEquals(Rc.OK, e.rc(), "the child must not block on a full pipe");
    assertEquals(1000, e.stdoutBytes().length);
    assertTrue(e.stdoutTruncated());
  }

  /**
   * With no output wait, what the child wrote before it exited is still read, and input it did
   * not read is dropped: nothing else holds its pipes, so they are not force-closed (the end of file may come in a later epoll round than
   * the exit; some rounds of the loop see that order).
   */
  @Test
  void outputWrittenBeforeTheExitIsReadEvenWithNoOutputWait() {
    for (int i = 0; i < 30; i++) {
      ChildExit e = run(ProcessSpec.builder()
          .command("echo", "hi")
          .stdout(Output.capture(100))
          .outputWait(Duration.ZERO)
          .build()).awaitExit();
      assertEquals("hi\n", e.stdout(), "round " + i);
      assertFalse(e.pipesForceClosed(), "round " + i);
      ChildExit unread = run(ProcessSpec.builder()
          .command("true")
          .stdin(Stdin.of("y".repeat(1 << 20)))
          .outputWait(Duration.ZERO)
          .build()).awaitExit();
      assertFalse(unread.pipesForceClosed(), "stdin, round " + i); // EPIPE: nobody holds it
    }
  }

  @Test
  void anOutputWaitOfForeverWaitsForThePipesToClose() {
    // more nanoseconds than a long holds: the spawn threw ArithmeticException after posix_spawn
    AoContext own = AoContext.builder().name("forever").build();
    try {
      ChildExit e = new Procs.Op(own, ChildProcesses.of(own), ProcessSpec.builder()
          .command("sh", "-c", "(sleep 0.2; echo late) & echo early")
          .stdout(Output.capture(100))
          .killGroupOnExit(false)
          .outputWait(ChronoUnit.FOREVER.getDuration())
          .build()).awaitExit();
      assertEquals("early\nlate\n", e.stdout(), "the exit waited for the member holding stdout");
      assertFalse(e.pipesForceClosed());
    } finally {
      assertTrue(own.close(Duration.ofSeconds(5)));
    }
  }

  @Test
  void stdoutAndStderrAreSeparate() {
    ChildExit e = run(ProcessSpec.builder()
        .command("sh", "-c", "echo out; echo err >&2")
        .stdout(Output.capture(100))
        .stderr(Output.capture(100))
        .build()).awaitExit();
    assertEquals("out\n", e.stdout());
    assertEquals("err\n", e.stderr());
  }

  @Test
  void stdinFromAStringLargerThanAPipeBuffer() {
    String text = "x".repeat(200_000) + "\n";
    ChildExit e = run(ProcessSpec.builder()
        .command("wc", "-c")
        .stdin(Stdin.of(text))
        .stdout(Output.capture(100))
        .build()).awaitExit();
    assertEquals(String.valueOf(text.length()), e.stdout().trim());
  }

  @Test
  void stdinThatTheChildNeverReadsIsDropped() {
    ChildExit e = run(ProcessSpec.builder()
        .command("true").stdin(Stdin.of("y".repeat(1 << 20))).build()).awaitExit();
    assertEquals(Rc.OK, e.rc()); // the write hit EPIPE; the JVM ignores SIGPIPE
    assertFalse(e.pipesForceClosed());
  }

  @Test
  void stdinFromAFileAndStdoutToAFile() throws Exception {
    Path in = tmp.resolve("in.txt");
    Path out = tmp.resolve("out.txt");
    Files.writeString(in, "hello\n");
    ChildExit e = run(ProcessSpec.builder()
        .command("cat")
        .stdin(Stdin.file(in))
        .stdout(Output.file(out))
        .build()).awaitExit();
    assertEquals(Rc.OK, e.rc());
    assertEquals("hello\n", Files.readString(out));
    run(ProcessSpec.builder().command("echo", "again").stdout(Output.append(out)).build())
        .awaitExit();
    assertEquals("hello\nagain\n", Files.readString(out));
  }

  @Test
  void noStdinReadsEndOfFile() {
    ChildExit e = run(ProcessSpec.builder()
        .command("wc", "-c").stdout(Output.capture(100)).build()).awaitExit();
    assertEquals("0", e.stdout().trim());
  }

  @Test
  void environmentInheritedAddedAndReplaced() {
    ChildExit added = run(ProcessSpec.builder()
        .command("sh", "-c", "echo \"$ASYNCOP_X:$HOME\"")
        .env("ASYNCOP_X", "1")
        .stdout(Output.capture(1000))
        .build()).awaitExit();
    assertEquals("1:" + System.getenv("HOME") + "\n", added.stdout());

    ChildExit replaced = run(ProcessSpec.builder()
        .command("/usr/bin/env")
        .replaceEnvironment(Map.of("ONLY", "this"))
        .stdout(Output.capture(1000))
        .build()).awaitExit();
    assertEquals("ONLY=this\n", replaced.stdout());
  }

  @Test
  void argumentsArriveAsGivenInTheDefaultCharset() {
    List<String> command = new ArrayList<>(List.of("sh", "-c", "printf '%s|' \"$@\"", "sh",
        "", "two words", "caf\u00e9 \u20ac"));
    for (int i = 0; i < 300; i++) {
      command.add("arg" + i);
    }
    ChildExit e = run(ProcessSpec.builder()
        .command(command).stdout(Output.capture(100_000)).build()).awaitExit();
    String expected = String.join("|", command.subList(4, command.size())) + "|";
    assertArrayEquals(expected.getBytes(Charset.defaultCharset()), e.stdoutBytes());
  }

  @Test
  void workingDirectory() throws Exception {
    ChildExit e = run(ProcessSpec.builder()
        .command("pwd").directory(tmp).stdout(Output.capture(1000)).build()).awaitExit();
    assertEquals(tmp.toRealPath().toString(), e.stdout().trim());
  }

  @Test
  void missingProgramIsAFailNamingItAndTheErrno() {
    Procs.Op op = run(ProcessSpec.of("no-such-program-asyncop", "arg"));
    ChildExit e = op.awaitExit();
    assertEquals(Rc.FAIL, e.rc());
    assertEquals(-1, e.pid());
    assertEquals(-1, op.child.pid());
    SpawnException se = assertInstanceOf(SpawnException.class, e.failure());
    assertEquals("no-such-program-asyncop", se.program());
    assertEquals(2, se.errno()); // ENOENT
    assertTrue(se.getMessage().contains("ENOENT"), se.getMessage());
    assertTrue(op.exitOnLoop);
    assertEquals(Rc.FAIL, op.awaitOutcome().rc());
  }

  @Test
  void aSpawnFailureFromAnotherThreadIsReportedBeforeAnOutcomeThatReachedTheLoopFirst()
      throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> heard.add("outcome " + o.rc())));
    AtomicReference<Ao<Void>> handed = new AtomicReference<>();
    CountDownLatch added = new CountDownLatch(1);
    ao.execute(() -> { // another module's driver (a selector's readiness, say) that completes
      ao.loop().addDriver(now -> { // what it is handed, ahead of the loop's queued tasks
        Ao<Void> a = handed.getAndSet(null);
        if (a != null) {
          a.complete(null);
        }
        return LoopDriver.IDLE;
      });
      added.countDown();
    });
    assertTrue(added.await(20, TimeUnit.SECONDS));
    CountDownLatch busy = new CountDownLatch(1);
    ao.execute(() -> {
      try {
        busy.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    for (int i = 0; i < 300; i++) { // more than a batch: the driver is polled before the report
      ao.execute(() -> {});
    }
    procs.spawn(ao, ProcessSpec.of("no-such-program-asyncop"), e -> heard.add("exit " + e.rc()));
    handed.set(ao); // after spawn() returned: the caller's work is done
    busy.countDown();
    await().atMost(Procs.LIVENESS).until(() -> heard.size() == 2);
    assertEquals(List.of("exit FAIL", "outcome OK"), heard,
        "the spawn's report comes before the outcome of an operation completed after the call");
  }

  @Test
  void notExecutableIsAFailWithEacces() throws Exception {
    Path script = tmp.resolve("script.sh");
    Files.writeString(script, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    ChildExit e = run(ProcessSpec.of(script.toString())).awaitExit();
    SpawnException se = assertInstanceOf(SpawnException.class, e.failure());
    assertEquals(13, se.errno()); // EACCES
  }

  @Test
  void missingWorkingDirectoryOrInputFileIsAFail() {
    ChildExit dir = run(ProcessSpec.builder()
        .command("true").directory(tmp.resolve("absent")).build()).awaitExit();
    SpawnException noDir = assertInstanceOf(SpawnException.class, dir.failure());
    assertEquals(2, noDir.errno());
    assertTrue(noDir.getMessage().contains("chdir to " + tmp.resolve("absent")), noDir.getMessage());
    ChildExit in = run(ProcessSpec.builder()
        .command("cat").stdin(Stdin.file(tmp.resolve("absent"))).build()).awaitExit();
    SpawnException se = assertInstanceOf(SpawnException.class, in.failure());
    assertTrue(se.getMessage().contains("absent"), se.getMessage());
  }

  @Test
  void theChildGetsOnlyItsThreeDescriptors() throws Exception {
    // the JVM holds descriptors without FD_CLOEXEC (the test checks there is one, else it proves
    // nothing): a plain posix_spawnp would hand them all to the child
    assertTrue(Fds.jvmHasInheritableDescriptor(), "no inheritable descriptor in this JVM");
    Procs.Op op = run(ProcessSpec.builder()
        .command("sleep", "100")
        .stdout(Output.capture(10))
        .stderr(Output.capture(10))
        .stdin(Stdin.of("pending input"))
        .build());
    // right after the exec the child's own start-up (the dynamic loader, the locale) may hold a
    // descriptor of its own for a moment; an inherited one would stay for its whole life
    await().atMost(Procs.LIVENESS).untilAsserted(
        () -> assertEquals(List.of(0, 1, 2), Procs.fds(op.child.pid())));
    op.ao.cancel();
    assertEquals(Rc.CANCEL, op.awaitExit().rc());
  }

  @Test
  void outputOfABackgroundProcessThatLeftTheGroupIsCutAfterTheWait() throws Exception {
    Path pidFile = tmp.resolve("escaped.pid");
    ChildExit e = run(ProcessSpec.builder()
        .command("sh", "-c", "setsid sh -c 'echo $$ > " + pidFile + "; exec sleep 30' &"
            + " while [ ! -s " + pidFile + " ]; do sleep 0.01; done; echo hi")
        .stdout(Output.capture(100))
        .outputWait(Duration.ofMillis(200))
        .build()).awaitExit();
    int escaped = Procs.awaitPid(pidFile);
    try {
      assertEquals(Rc.OK, e.rc());
      assertEquals("hi\n", e.stdout());
      assertTrue(e.pipesForceClosed());
    } finally {
      org.asyncop.process.internal.Native.LIBC.kill(escaped, 9);
    }
  }
}
