package org.asyncop.examples.domain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.asyncop.watch.WatchableStore;

/**
 * What a run of the example left behind, checked for real: device model processes still in the
 * process table (any state, zombies included), entries under {@code /local/domain}, reserved ids.
 */
final class LeftBehind {
  private LeftBehind() {}

  static List<String> check(DomainCreator creator, WatchableStore store) {
    List<String> left = new ArrayList<>();
    for (long pid : deviceModelProcesses(creator.deviceModelScript())) {
      left.add("device model process " + pid);
    }
    for (String child : store.children("/local/domain")) {
      left.add("entries /local/domain/" + child);
    }
    if (creator.reservedIds() > 0) {
      left.add(creator.reservedIds() + " reserved ids");
    }
    return left;
  }

  /** Processes whose command line names {@code script}, from /proc. */
  static List<Long> deviceModelProcesses(Path script) {
    List<Long> pids = new ArrayList<>();
    String needle = script.toString();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          String stat = Files.readString(p.resolve("stat"));
          // a zombie's cmdline is empty: its stat still names the parent; we ask the kernel by
          // cmdline, and count zombies (state Z) of ours through their parent below
          if (cmdline.contains(needle) || (stat.contains(") Z ") && isOurZombie(stat))) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc", e);
    }
    return pids;
  }

  private static boolean isOurZombie(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[1]) == ProcessHandle.current().pid();
  }
}
