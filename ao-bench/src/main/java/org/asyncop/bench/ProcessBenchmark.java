package org.asyncop.bench;

import java.io.File;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.process.ChildExit;
import org.asyncop.process.ChildProcesses;
import org.asyncop.process.ProcessSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Child processes, ours beside java.lang.Process, in one run.
 *
 * <ul>
 *   <li>{@code spawn*}: spawn {@code /bin/true} and wait until it is reaped (throughput). Ours
 *       runs with every guarantee on: own process group, no inherited descriptor (closefrom in the
 *       child), stdin/stdout/stderr on /dev/null, reaped through the context's pidfd reaper, exit
 *       delivered on the ao's loop. ProcessBuilder gets the same redirections, with the default
 *       launch mechanism and with VFORK.
 *   <li>{@code cancel*}: a running {@code sleep 100}; time from the cancel until the measuring
 *       thread holds the exit (ours: {@code ao.cancel()} to the ChildExit; theirs: {@code
 *       destroyForcibly()} to {@code onExit()}), one shot per iteration, 200 iterations. This
 *       includes the measuring thread's own wake-up, and its p99 is the second-worst of 200
 *       shots after 20 of warm-up; {@link ProcessCancelPairs} stamps inside the callbacks, warms
 *       up longer and takes more samples under the same load: read the p99 there.
 * </ul>
 *
 * <p>Run (build once, then the two groups; command-line counts override the annotations, so the
 * cancel group is run without them):
 * {@code mvn -B -q -o -pl ao-bench -am package -DskipTests && java -jar
 * ao-bench/target/benchmarks.jar 'ProcessBenchmark.spawn' -f 1 -wi 3 -w 1s -i 5 -r 1s && java
 * -jar ao-bench/target/benchmarks.jar 'ProcessBenchmark.cancel' -f 1}
 */
@Fork(1)
public class ProcessBenchmark {
  private static final File DEV_NULL = new File("/dev/null");

  /** A context with its process service, for the whole run. */
  @State(Scope.Benchmark)
  public static class Ours {
    AoContext ctx;
    ChildProcesses procs;
    final ProcessSpec trueSpec = ProcessSpec.of("/bin/true");
    final ProcessSpec sleepSpec = ProcessSpec.of("sleep", "100");

    @Setup
    public void setUp() {
      ctx = AoContext.builder().name("bench").build();
      procs = ChildProcesses.of(ctx);
    }

    @TearDown
    public void tearDown() {
      ctx.close();
    }

    /** Begins an operation that completes with its child's exit. */
    CompletableFuture<ChildExit> run(ProcessSpec spec, Ao<?>[] aoOut) {
      CompletableFuture<ChildExit> done = new CompletableFuture<>();
      Ao<ChildExit> ao = ctx.begin(AoHow.callback(o -> { }));
      aoOut[0] = ao;
      procs.spawn(ao, spec, e -> {
        done.complete(e);
        ao.complete(e);
      });
      return done;
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public ChildExit spawnOurs(Ours s) {
    return s.run(s.trueSpec, new Ao<?>[1]).join();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public int spawnProcessBuilder() throws Exception {
    return discarding(new ProcessBuilder("/bin/true")).start().waitFor();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Fork(value = 1, jvmArgsAppend = "-Djdk.lang.Process.launchMechanism=VFORK")
  public int spawnProcessBuilderVfork() throws Exception {
    return discarding(new ProcessBuilder("/bin/true")).start().waitFor();
  }

  private static ProcessBuilder discarding(ProcessBuilder pb) {
    return pb.redirectInput(DEV_NULL)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
  }

  /** A running {@code sleep 100} of ours, started before each measured cancel. */
  @State(Scope.Benchmark)
  public static class OursSleeping {
    final Ao<?>[] ao = new Ao<?>[1];
    CompletableFuture<ChildExit> exit;

    @Setup(Level.Iteration)
    public void spawn(Ours s) {
      exit = s.run(s.sleepSpec, ao);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 20)
  @Measurement(iterations = 200)
  public ChildExit cancelOurs(OursSleeping s) {
    s.ao[0].cancel();
    return s.exit.join();
  }

  /** A running {@code sleep 100} of java.lang.Process, started before each measured kill. */
  @State(Scope.Benchmark)
  public static class TheirsSleeping {
    Process p;

    @Setup(Level.Iteration)
    public void spawn() throws Exception {
      p = discarding(new ProcessBuilder("sleep", "100")).start();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 20)
  @Measurement(iterations = 200)
  public Process cancelDestroyForcibly(TheirsSleeping s) {
    s.p.destroyForcibly();
    return s.p.onExit().join();
  }
}
