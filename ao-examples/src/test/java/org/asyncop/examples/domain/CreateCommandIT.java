package org.asyncop.examples.domain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, run as a new user runs it: {@code java -jar ao-examples.jar create}, in a
 * process of its own, including Ctrl-C (SIGINT) delivered to it.
 */
class CreateCommandIT {
  private static final Path JAR = Path.of("target", "ao-examples.jar");

  /** A running {@code java -jar} with its output collected line by line. */
  private static final class Run {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> drained = new CompletableFuture<>();

    Run(String... args) throws IOException {
      assertTrue(Files.exists(JAR), "the jar is built by package: " + JAR.toAbsolutePath());
      List<String> cmd = new ArrayList<>();
      // A JVM whose SIGINT is ignored when it starts (a background job of a non-interactive
      // shell, as under some CI runners) never installs its handler: reset it to the default.
      cmd.add("env");
      cmd.add("--default-signal=INT");
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.add("-jar");
      cmd.add(JAR.toString());
      cmd.addAll(List.of(args));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("(read failed: " + e + ")");
        }
        drained.complete(null);
      });
      reader.setDaemon(true);
      reader.start();
    }

    void awaitLine(String text) {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> lines.stream().anyMatch(l -> l.contains(text)));
    }

    void signal(String sig) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
      assertEquals(0, kill.waitFor());
    }

    int exit() throws Exception {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the command ended: " + lines);
      drained.get(10, TimeUnit.SECONDS);
      return process.exitValue();
    }

    String output() {
      return String.join("\n", lines);
    }
  }

  @Test
  void createRunsToOkAndExitsZero() throws Exception {
    Run run = new Run("create");
    assertEquals(0, run.exit(), run.output());
    for (String step : List.of("reserving id", "writing entries", "building",
        "spawning device model", "waiting for device model", "unpausing", "outcome OK: domain 1",
        "destroyed: OK")) {
      assertTrue(run.output().contains(step), step + " in\n" + run.output());
    }
  }

  @Test
  void ctrlCCancelsGracefullyShowsTheCleanupAndExits130() throws Exception {
    Run run = new Run("create", "--dm-hang", "--timeout", "60s");
    run.awaitLine("waiting for device model");
    run.signal("INT");
    assertEquals(130, run.exit(), run.output());
    String out = run.output();
    assertTrue(out.contains("^C: cancelling"), out);
    assertTrue(out.contains("cleaning up: killing device model"), out);
    assertTrue(out.contains("cleaning up: releasing id 1"), out);
    assertTrue(out.contains("outcome CANCEL"), out);
  }

  @Test
  void ctrlCRightAsTheCreationBeginsStillCancelsItAndRemovesTheTemporaryStore() throws Exception {
    Run run = new Run("create", "--dm-delay", "30s", "--timeout", "60s");
    run.awaitLine("creating "); // the command has just called create(); a press now counts too
    run.signal("INT");
    assertEquals(130, run.exit(), run.output());
    String out = run.output();
    assertTrue(out.contains("^C: cancelling"), out);
    assertTrue(out.contains("outcome CANCEL"), out);
    String storeLine = run.lines.stream().filter(l -> l.contains("(temporary)")).findFirst()
        .orElseThrow(() -> new AssertionError("no store line in\n" + out));
    String folder =
        storeLine.substring(storeLine.indexOf("store ") + 6, storeLine.indexOf(" (temporary)"));
    assertTrue(!Files.exists(Path.of(folder)), "the temporary store " + folder + " was removed");
  }

  @Test
  void ctrlCWithCountCancelsEveryCreationAndLeavesNoDeviceModel(@TempDir Path store)
      throws Exception {
    String folder = store.toString();
    Run run = new Run("create", "--count", "10", "--build", "20ms", "--dm-delay", "60s",
        "--timeout", "60s", "--store", folder);
    await().atMost(Duration.ofSeconds(30)).until(() -> !deviceModels(folder).isEmpty());
    run.signal("INT");
    assertEquals(130, run.exit(), run.output());
    assertTrue(run.output().contains("left behind: nothing"), run.output());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertEquals(List.of(), deviceModels(folder), "device models left running"));
  }

  /** The device model scripts started for the store {@code folder} (one of their arguments). */
  private static List<Long> deviceModels(String folder) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(Arrays::asList)
            .filter(a -> a.contains(folder) && a.contains("asyncop-device-model"))
            .isPresent())
        .map(ProcessHandle::pid)
        .toList();
  }

  @Test
  void badOptionExitsTwoWithOneLine() throws Exception {
    Run run = new Run("create", "--nope");
    assertEquals(2, run.exit());
    assertEquals(List.of("create: unknown option '--nope' (see --help)"), run.lines);
  }
}
