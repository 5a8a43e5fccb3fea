package org.asyncop.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.process.internal.Native;

/** What the tests look at: /proc, descriptors, and one operation running one child. */
final class Procs {
  static final Duration LIVENESS = Duration.ofSeconds(20);

  private Procs() {}

  /** One operation that spawns one child and completes with its exit. */
  static final class Op {
    final CompletableFuture<ChildExit> exit = new CompletableFuture<>();
    final CompletableFuture<Outcome<ChildExit>> outcome = new CompletableFuture<>();
    /** Whether the child was still in /proc (not reaped) when the exit callback ran. */
    volatile boolean presentAtExit;
    /** Whether the child was still in /proc when the ao's outcome callback ran. */
    volatile boolean presentAtOutcome;
    /** Whether the exit callback ran on the ao's loop. */
    volatile boolean exitOnLoop;
    final Ao<ChildExit> ao;
    final Child child;

    Op(AoContext ctx, ChildProcesses procs, ProcessSpec spec) {
      ao = ctx.begin(AoHow.<ChildExit>callback(o -> {
        ChildExit e = o.value();
        int pid = e != null ? e.pid() : exit.getNow(null) != null ? exit.getNow(null).pid() : -1;
        presentAtOutcome = pid > 0 && exists(pid);
        outcome.complete(o);
      }));
      child = procs.spawn(ao, spec, e -> {
        exitOnLoop = ao.loop().inLoop();
        presentAtExit = e.pid() > 0 && exists(e.pid());
        exit.complete(e);
        switch (e.rc()) {
          case OK -> ao.complete(e);
          case FAIL -> ao.fail(new IllegalStateException(e.toString(), e.failure()));
          case CANCEL -> ao.cancelled();
          default -> throw new IllegalStateException("Invalid rc: " + e.rc());
        }
      });
    }

    ChildExit awaitExit() {
      return exit.orTimeout(LIVENESS.toSeconds(), TimeUnit.SECONDS).join();
    }

    Outcome<ChildExit> awaitOutcome() {
      return outcome.orTimeout(LIVENESS.toSeconds(), TimeUnit.SECONDS).join();
    }
  }

  /** Whether /proc has an entry for {@code pid} (alive or zombie). */
  static boolean exists(int pid) {
    return Files.exists(Path.of("/proc/" + pid));
  }

  /** The state letter of {@code pid} ('R', 'S', 'Z', ...) or 0 if it is gone. */
  static char state(int pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      return s.charAt(s.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Gone, or a zombie: dead either way. */
  static boolean dead(int pid) {
    char c = state(pid);
    return c == 0 || c == 'Z' || c == 'X';
  }

  /** The descriptors open in {@code pid}, by number. */
  static List<Integer> fds(int pid) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
      for (Path p : ds) {
        out.add(Integer.parseInt(p.getFileName().toString()));
      }
    }
    out.sort(null);
    return out;
  }

  /** How many descriptors this JVM has open. */
  static int ownFdCount() throws IOException {
    return fds(Native.LIBC.getpid()).size();
  }

  /** The zombies whose parent is this JVM. */
  static List<Integer> ownZombies() throws IOException {
    int self = Native.LIBC.getpid();
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!Character.isDigit(n.charAt(0))) {
          continue;
        }
        try {
          String s = Files.readString(p.resolve("stat"), StandardCharsets.US_ASCII);
          String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
          if (f[0].equals("Z") && Integer.parseInt(f[1]) == self) {
            out.add(Integer.parseInt(n));
          }
        } catch (NoSuchFileException e) {
          // gone meanwhile
        }
      }
    }
    return out;
  }

  /** Waits (bounded) until {@code file} holds a line, and returns it as an int. */
  static int awaitPid(Path file) {
    await().atMost(LIVENESS).until(() -> Files.exists(file) && Files.readString(file).endsWith("\n"));
    try {
      return Integer.parseInt(Files.readString(file).trim());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A body run by each of several threads: {@code t} is the thread's number. */
  interface ThreadBody {
    void run(int t) throws Exception;
  }

  /**
   * Runs {@code body} on {@code threads} threads released together, waits (bounded) for all of
   * them, and collects what any of them threw into {@code failures}.
   */
  static void onThreads(int threads, String name, Queue<Throwable> failures, ThreadBody body)
      throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tn = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
          body.run(tn);
        } catch (Throwable e) {
          failures.add(e);
        }
      }, name + "-" + t);
      ts.add(th);
      th.start();
    }
    start.countDown();
    for (Thread th : ts) {
      th.join(TimeUnit.SECONDS.toMillis(60));
      assertTrue(!th.isAlive(), th.getName() + " did not finish");
    }
  }

  /** Fails with every collected failure attached, if there is one. */
  static void assertNoFailures(Queue<Throwable> failures) {
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError(failures.size() + " failures; first: " + failures.peek());
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  /**
   * Waits (bounded) until this JVM holds no more descriptors than {@code before}: at most as
   * many, since another part of the JVM may close one meanwhile, but none may be left over.
   */
  static void assertNoFdsLeft(int before) {
    await().atMost(LIVENESS).untilAsserted(() -> assertTrue(ownFdCount() <= before,
        "descriptors left behind: " + before + " before, " + ownFdCount() + " now"));
  }
}
