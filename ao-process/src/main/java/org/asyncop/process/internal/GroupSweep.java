package org.asyncop.process.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.IntPredicate;
import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

/*
 * Reaps the members of one process group that have become this JVM's children: with
 * PR_SET_CHILD_SUBREAPER set, a process whose parent dies is re-parented to us instead of to
 * PID 1, and when it dies it stays a zombie until we wait for it.
 *
 * There is no wait call that takes "this group, except its leader" (waitpid(-pgid) may return the
 * leader and steal its status from its own waiter), and this kernel has no
 * /proc/self/task/N/children, so the group is found by reading /proc/N/stat (state, ppid, pgrp)
 * and each zombie child of ours in it is reaped by its exact pid. That is safe: an unreaped zombie
 * keeps its pid, so the pid we read cannot name another process when we wait for it.
 *
 * The caller makes sure the group id is still ours while it sweeps (see Reaper).
 */
public final class GroupSweep {
  private static final Path PROC = Path.of("/proc");

  private GroupSweep() {}

  /**
   * Reaps the zombie children of this process in group {@code pgid}, skipping every pid that
   * {@code skip} accepts (our group leaders, which have waiters of their own).
   *
   * @return how many members of the group are still alive, or are zombies we must not reap
   */
  public static int reapMembers(int pgid, IntPredicate skip, Pointer siginfo) {
    int self = Native.LIBC.getpid();
    int remaining = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
          continue;
        }
        int pid = Integer.parseInt(name);
        if (skip.test(pid)) {
          continue;
        }
        long[] st = stat(p);
        if (st == null || st[2] != pgid) {
          continue;
        }
        boolean zombie = st[0] == 'Z';
        if (zombie && st[1] == self) {
          Native.LIBC.waitid(Native.P_PID, pid, siginfo, Native.WEXITED | Native.WNOHANG);
        } else if (!zombie) {
          remaining++;
        }
      }
    } catch (IOException e) {
      return remaining + 1; // unreadable /proc: assume the group is not empty yet
    }
    return remaining;
  }

  /** {state char, ppid, pgrp} from /proc/N/stat, or null if the process is gone. */
  private static long @Nullable [] stat(Path dir) {
    String s;
    try {
      s = new String(Files.readAllBytes(dir.resolve("stat")), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
    int i = s.lastIndexOf(')'); // the command name may contain spaces and parentheses
    if (i < 0 || i + 2 >= s.length()) {
      return null;
    }
    String[] f = s.substring(i + 2).split(" ", 4);
    if (f.length < 3) {
      return null;
    }
    return new long[] {f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2])};
  }
}
