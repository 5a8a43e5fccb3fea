package org.asyncop.process;

import java.io.IOException;
import org.asyncop.process.internal.Native;

/**
 * Why a child could not be started: the program and the error number (ENOENT for no such
 * program, EACCES for not executable, EMFILE when descriptors ran out, EAGAIN when processes ran
 * out). The failure of a FAIL {@link ChildExit} with no pid.
 */
public final class SpawnException extends IOException {
  private final String program;
  private final int errno;

  SpawnException(String program, String step, int errno) {
    super("cannot spawn " + program + ": " + step + " failed: " + Native.describe(errno));
    this.program = program;
    this.errno = errno;
  }

  /** The program that could not be started. */
  public String program() {
    return program;
  }

  /** The error number (errno) the failing call reported. */
  public int errno() {
    return errno;
  }
}
