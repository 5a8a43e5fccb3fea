package org.asyncop.examples.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code create} command, run in this JVM with real processes and a real store folder. */
class CreateCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return CreateCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void badOptionsGetOneLineAndStatusTwo() {
    for (String[] bad : List.of(new String[] {"--bogus"}, new String[] {"--build"},
        new String[] {"--build", "soon"}, new String[] {"--count", "0"},
        new String[] {"--dm-fail", "--dm-hang"}, new String[] {"--timeout", "0ms"})) {
      err.reset();
      assertEquals(2, run(bad), String.join(" ", bad));
      String e = err.toString(StandardCharsets.UTF_8);
      assertEquals(1, e.lines().count(), e);
      assertTrue(e.startsWith("create: "), e);
    }
  }

  @Test
  void helpExplainsEveryOption() {
    assertEquals(0, run("--help"));
    for (String opt : List.of("--name", "--build", "--dm-delay", "--dm-fail", "--dm-hang",
        "--timeout", "--cancel-after", "--keep-on-cancel", "--store", "--count", "--help")) {
      assertTrue(out().contains(opt), opt);
    }
  }

  @Test
  void durationsParse() {
    assertEquals(Duration.ofMillis(300), Durations.parse("--x", "300ms"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("--x", "1.5s"));
    assertEquals(Duration.ofMinutes(2), Durations.parse("--x", "2m"));
  }

  @Test
  void createsInAStoreFolderAndLeavesItEmpty(@TempDir Path store) throws Exception {
    assertEquals(0, run("--build", "50ms", "--dm-delay", "50ms", "--store", store.toString()));
    assertTrue(out().contains("outcome OK: domain 1"), out());
    assertTrue(out().contains("unpausing"), out());
    try (var entries = Files.list(store.resolve("local/domain"))) {
      assertEquals(0, entries.count(), "entries left in the store folder");
    }
  }

  @Test
  void cancelAfterEndsWithStatus130() {
    assertEquals(130, run("--build", "10s", "--cancel-after", "100ms"));
    assertTrue(out().contains("cancelling"), out());
    assertTrue(out().contains("outcome CANCEL"), out());
  }

  @Test
  void twoHundredAtOnceWithRandomCancelsLeaveNothingBehind() {
    assertEquals(0, run("--count", "200", "--build", "20ms", "--dm-delay", "20ms",
        "--timeout", "20s"), out());
    assertTrue(out().contains("left behind: nothing"), out());
  }
}
