package org.asyncop.examples.domain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.asyncop.watch.WatchableStore;

/**
 * What a run of the example left behind, checked for real: processes still in a device model's
 * process group (any state, zombies included), entries under {@code /local/domain}, reserved ids.
 */
final class LeftBehind {
  private LeftBehind() {}

  /** How long a killed process of ours may take to vanish from the process table. */
  private static final Duration DYING = Duration.ofSeconds(5);

  static List<String> check(DomainCreator creator, WatchableStore store) {
    List<String> left = new ArrayList<>();
    for (long pid : awaitGone(creator.deviceModelGroups())) {
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

  /**
   * The processes of {@code groups} still there after a bounded wait. A device model's own
   * process is reaped before its domain ends, but a grandchild killed with its group (the
   * script's {@code sleep}) is re-parented and reaped by init, or by this JVM when it is a
   * subreaper ({@code ChildProcesses.becomeSubreaper()}); that takes a moment, and only what is
   * still there after it counts as left behind.
   */
  static List<Long> awaitGone(Set<Integer> groups) {
    long end = System.nanoTime() + DYING.toNanos();
    List<Long> pids = deviceModelProcesses(groups);
    while (!pids.isEmpty() && System.nanoTime() < end) {
      LockSupport.parkNanos(10_000_000L);
      pids = deviceModelProcesses(groups);
    }
    return pids;
  }

  /**
   * Processes, zombies included, in any of {@code groups}: a device model and whatever it started
   * (a grandchild stays in the group unless it calls setsid).
   */
  static List<Long> deviceModelProcesses(Set<Integer> groups) {
    List<Long> pids = new ArrayList<>();
    if (groups.isEmpty()) {
      return pids;
    }
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String stat = Files.readString(p.resolve("stat"));
          // fields after "(comm)": state ppid pgrp ...
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (groups.contains(Integer.parseInt(f[2]))) {
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
}
