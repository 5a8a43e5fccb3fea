package org.asyncop.examples.domain;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Outcome;
import org.asyncop.core.Progress;
import org.asyncop.core.Rc;
import org.asyncop.examples.domain.DomainConfig.DeviceModelMode;
import org.asyncop.watch.DirectoryStore;
import org.jspecify.annotations.Nullable;

/**
 * {@code create}: creates a domain (or {@code --count K} at once) and prints each progress step
 * with its time, then the outcome. Exit status 0 for OK, 1 for FAIL, 130 for CANCEL, 2 for bad
 * options. Ctrl-C cancels gracefully and shows the cleanup; a second Ctrl-C forces.
 */
public final class CreateCommand {
  static final int EXIT_OK = 0;
  static final int EXIT_FAIL = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_CANCEL = 130;

  static final String USAGE = """
      usage: java -jar ao-examples.jar create [options]

      Creates a domain as one cancellable operation: reserve an id and write its entries to a
      store, build it, spawn its device model (a real child process that reports through the
      store's folder), wait for the device model, unpause. On a failure or a cancel it destroys
      what it made and shows the cleanup. Ctrl-C cancels; a second Ctrl-C forces.

        --name N            the domain's name (default guest)
        --build D           how long the simulated build takes (default 300ms)
        --build-timeout D   the build step's timeout (default 5s)
        --build-fail        the build fails when its time has passed
        --dm-delay D        how long the device model takes to report running (default 500ms)
        --dm-fail           the device model exits with status 3 instead of reporting
        --dm-hang           the device model never reports
        --timeout D         how long to wait for the device model (default 2s)
        --cancel-after D    cancel the creation after D
        --keep-on-cancel    a cancel keeps the domain and returns its id
        --store DIR         the store's folder (default: a new temporary folder, removed at exit)
        --count K           create K domains at once, cancel about half of them at random
                            moments, destroy the ones created, and report anything left behind
        --help              this text

      D is a duration such as 300ms, 2s or 1.5s. Exit status: 0 OK, 1 FAIL, 130 CANCEL, 2 bad
      options; with --count, 0 when nothing was left behind (130 after a Ctrl-C), 1 otherwise.
      """;

  private CreateCommand() {}

  /** The parsed command line. */
  record Options(DomainConfig config, @Nullable Duration cancelAfter, @Nullable Path store,
      int count) {}

  /**
   * Parses the options of {@code create}.
   *
   * @throws IllegalArgumentException with a one-line message for a bad option
   */
  static Options parse(List<String> args) {
    DomainConfig.Builder b = DomainConfig.builder();
    Duration cancelAfter = null;
    Path store = null;
    int count = 1;
    boolean dmFail = false;
    boolean dmHang = false;
    for (int i = 0; i < args.size(); i++) {
      String opt = args.get(i);
      switch (opt) {
        case "--build-fail" -> b.buildFails(true);
        case "--dm-fail" -> dmFail = true;
        case "--dm-hang" -> dmHang = true;
        case "--keep-on-cancel" -> b.keepOnCancel(true);
        case "--name", "--build", "--build-timeout", "--dm-delay", "--timeout", "--cancel-after",
            "--store", "--count" -> {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(opt + " needs a value");
          }
          String v = args.get(++i);
          switch (opt) {
            case "--name" -> b.name(v);
            case "--build" -> b.buildTime(Durations.parse(opt, v));
            case "--build-timeout" -> b.buildTimeout(positive(opt, Durations.parse(opt, v)));
            case "--dm-delay" -> b.deviceModelDelay(Durations.parse(opt, v));
            case "--timeout" -> b.deviceModelTimeout(positive(opt, Durations.parse(opt, v)));
            case "--cancel-after" -> cancelAfter = Durations.parse(opt, v);
            case "--store" -> store = Path.of(v);
            case "--count" -> count = count(v);
            default -> throw new IllegalStateException("Invalid option: " + opt);
          }
        }
        default -> throw new IllegalArgumentException("unknown option '" + opt + "' (see --help)");
      }
    }
    if (dmFail && dmHang) {
      throw new IllegalArgumentException("--dm-fail and --dm-hang exclude each other");
    }
    b.deviceModelMode(dmFail ? DeviceModelMode.FAIL : dmHang ? DeviceModelMode.HANG : DeviceModelMode.RUN);
    return new Options(b.build(), cancelAfter, store, count);
  }

  private static Duration positive(String opt, Duration d) {
    if (d.isZero()) {
      throw new IllegalArgumentException(opt + " must be more than 0");
    }
    return d;
  }

  private static int count(String v) {
    try {
      int k = Integer.parseInt(v);
      if (k >= 1 && k <= 1000) {
        return k;
      }
    } catch (NumberFormatException e) {
      // the message below says what is wanted
    }
    throw new IllegalArgumentException("--count takes a number from 1 to 1000, not '" + v + "'");
  }

  /** Runs {@code create} with {@code args}; returns the exit status. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help")) {
      out.print(USAGE);
      return EXIT_OK;
    }
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("create: " + e.getMessage());
      return EXIT_USAGE;
    }
    // before anything is made: a Ctrl-C from here on cancels what the command starts, and the
    // command still removes its temporary store (without the handler the JVM would just end)
    CtrlC ctrlC = new CtrlC();
    Path folder;
    boolean temporary = o.store() == null;
    try {
      folder = temporary ? Files.createTempDirectory("asyncop-store") : o.store();
    } catch (IOException e) {
      err.println("create: cannot make a store folder: " + e.getMessage());
      return EXIT_FAIL;
    }
    long start = System.nanoTime();
    Clock clock = new Clock(out, start);
    int status;
    try (AoContext ctx = AoContext.builder().name("domains").build();
        DirectoryStore store = DirectoryStore.open(folder)) {
      DomainCreator creator = new DomainCreator(ctx, store);
      clock.say("store " + folder + (temporary ? " (temporary)" : ""));
      if (!ctrlC.caught) {
        clock.say("(Ctrl-C cannot be caught on this JVM; it ends the process)");
      }
      status = o.count() == 1
          ? one(creator, o, clock, ctrlC)
          : many(creator, store, o, clock, start, ctrlC);
    } finally {
      if (temporary) {
        deleteTree(folder);
      }
    }
    clock.say("context closed: no thread, no child process, no watch left");
    return status;
  }

  private static int one(DomainCreator creator, Options o, Clock clock, CtrlC ctrlC) {
    clock.say("creating " + o.config());
    CompletableFuture<Outcome<DomainId>> done = new CompletableFuture<>();
    CancelHandle handle = creator.create(o.config(),
        AoHow.<DomainId>callback(done::complete).onProgress(clock::progress).named("create"));
    ctrlC.onPress(presses -> {
      if (presses == 1) {
        clock.say("^C: cancelling (Ctrl-C again to force)");
        handle.cancel();
      } else {
        clock.say("^C again: forcing");
        handle.cancelNow();
      }
    });
    Duration after = o.cancelAfter();
    if (after != null) {
      delayed(after).execute(() -> clock.say("cancelling after " + after.toMillis() + " ms: "
          + (handle.cancel() ? "requested" : "too late, already done")));
    }
    Outcome<DomainId> outcome = done.join();
    handle.close();
    clock.say("outcome " + describe(outcome));
    DomainId id = outcome.value();
    if (outcome.rc() == Rc.OK && id != null) {
      clock.say("destroying " + id + " again, so the demo leaves nothing behind");
      CompletableFuture<Outcome<Void>> destroyed = new CompletableFuture<>();
      creator.destroy(id, AoHow.<Void>callback(destroyed::complete).onProgress(clock::progress))
          .close(); // nobody will cancel it: detach at once
      clock.say("destroyed: " + destroyed.join().rc());
    } else if (id != null) {
      clock.say("kept " + id + ": its entries stay in the store; its device model ends with"
          + " this process");
    }
    return switch (outcome.rc()) {
      case OK -> EXIT_OK;
      case FAIL -> EXIT_FAIL;
      case CANCEL -> EXIT_CANCEL;
    };
  }

  private static int many(DomainCreator creator, DirectoryStore store, Options o, Clock clock,
      long start, CtrlC ctrlC) {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    DomainConfig cfg = o.config();
    long span = cfg.buildTime.toMillis() + cfg.dmDelay.toMillis() + 200;
    clock.say("creating " + o.count() + " domains at once, cancelling about half at random"
        + " (seed " + seed + ")");
    List<CompletableFuture<Outcome<DomainId>>> all = new ArrayList<>();
    // Ctrl-C as for one creation, for all of them (and those started after it): without this
    // handler the JVM would end at once and leave every running device model behind
    List<CancelHandle> handles = new ArrayList<>();
    ctrlC.onPress(presses -> {
      synchronized (handles) {
        boolean force = presses > 1;
        clock.say(force ? "^C again: forcing"
            : "^C: cancelling every creation (Ctrl-C again to force)");
        for (CancelHandle h : handles) {
          if (force) {
            h.cancelNow();
          } else {
            h.cancel();
          }
        }
      }
    });
    for (int i = 0; i < o.count(); i++) {
      CompletableFuture<Outcome<DomainId>> done = new CompletableFuture<>();
      all.add(done);
      DomainConfig one = DomainConfig.builder().name(cfg.name + "-" + i).buildTime(cfg.buildTime)
          .buildTimeout(cfg.buildTimeout).buildFails(cfg.buildFails).deviceModelDelay(cfg.dmDelay)
          .deviceModelMode(cfg.dmMode).deviceModelTimeout(cfg.dmTimeout)
          .keepOnCancel(cfg.keepOnCancel).build();
      CancelHandle h = creator.create(one, AoHow.callback(done::complete));
      synchronized (handles) {
        handles.add(h);
        if (ctrlC.presses() > 0) {
          h.cancel();
        }
      }
      if (random.nextBoolean()) {
        delayed(Duration.ofMillis(random.nextLong(span + 1))).execute(h::cancel);
      }
      done.whenComplete((x, e) -> h.close());
    }
    int[] counts = new int[3];
    List<DomainId> made = new ArrayList<>();
    for (CompletableFuture<Outcome<DomainId>> f : all) {
      Outcome<DomainId> out = f.join();
      counts[out.rc().ordinal()]++;
      if (out.value() != null) {
        made.add(out.value());
      }
    }
    clock.say(String.format(Locale.ROOT, "created %d, failed %d, cancelled %d",
        counts[Rc.OK.ordinal()], counts[Rc.FAIL.ordinal()], counts[Rc.CANCEL.ordinal()]));
    List<CompletableFuture<Outcome<Void>>> destroys = new ArrayList<>();
    for (DomainId id : made) {
      CompletableFuture<Outcome<Void>> d = new CompletableFuture<>();
      creator.destroy(id, AoHow.callback(d::complete)).close();
      destroys.add(d);
    }
    destroys.forEach(CompletableFuture::join);
    clock.say("destroyed the " + made.size() + " domains made");
    List<String> left = LeftBehind.check(creator, store);
    clock.say("left behind: " + (left.isEmpty() ? "nothing" : String.join("; ", left)));
    clock.say(String.format(Locale.ROOT, "wall time %.3f s",
        (System.nanoTime() - start) / 1e9));
    return !left.isEmpty() ? EXIT_FAIL : ctrlC.presses() > 0 ? EXIT_CANCEL : EXIT_OK;
  }

  /**
   * The command's Ctrl-C presses, counted from its start: a press that comes before the
   * creations exist reaches them as soon as they do. Each press runs the action set last, with
   * the count of presses so far, on a JVM signal thread.
   */
  private static final class CtrlC {
    /** Whether this JVM lets SIGINT be caught; if not, Ctrl-C ends the process as usual. */
    final boolean caught;
    private int presses; // guarded by this
    private IntConsumer action = presses -> {}; // guarded by this

    CtrlC() {
      caught = Sigint.handle(() -> {
        IntConsumer a;
        int n;
        synchronized (this) {
          n = ++presses;
          a = action;
        }
        a.accept(n);
      });
    }

    /** From now on a press runs {@code a}; runs it at once if presses came before. */
    void onPress(IntConsumer a) {
      int n;
      synchronized (this) {
        action = a;
        n = presses;
      }
      if (n > 0) {
        a.accept(n);
      }
    }

    synchronized int presses() {
      return presses;
    }
  }

  private static Executor delayed(Duration d) {
    return CompletableFuture.delayedExecutor(d.toNanos(), TimeUnit.NANOSECONDS);
  }

  static String describe(Outcome<DomainId> o) {
    return switch (o.rc()) {
      case OK -> "OK: " + o.value();
      case FAIL -> "FAIL: " + o.failure();
      case CANCEL -> "CANCEL" + (o.value() != null ? ", kept " + o.value() : "")
          + (o.abandoned().isEmpty() ? "" : ", abandoned " + o.abandoned());
    };
  }

  private static void deleteTree(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the temporary store " + folder, e);
    }
  }

  /** Prints lines with the milliseconds since the start; safe from any thread. */
  private record Clock(PrintStream out, long start) {
    void say(String line) {
      synchronized (out) {
        out.printf(Locale.ROOT, "%6d ms  %s%n", (System.nanoTime() - start) / 1_000_000, line);
        out.flush();
      }
    }

    void progress(Progress p) {
      say("  " + p);
    }
  }
}
