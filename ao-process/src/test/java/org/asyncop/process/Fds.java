package org.asyncop.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Descriptor facts about this JVM. */
final class Fds {
  private Fds() {}

  /** Whether some descriptor above 2 of this JVM lacks FD_CLOEXEC (flags in /proc/self/fdinfo). */
  static boolean jvmHasInheritableDescriptor() throws IOException {
    for (int fd : Procs.fds(org.asyncop.process.internal.Native.LIBC.getpid())) {
      if (fd <= 2) {
        continue;
      }
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
          if (line.startsWith("flags:")) {
            int flags = Integer.parseInt(line.substring(6).trim(), 8);
            if ((flags & 02000000) == 0) {
              return true;
            }
          }
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // closed meanwhile
      }
    }
    return false;
  }
}
