package org.asyncop.process;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
}
