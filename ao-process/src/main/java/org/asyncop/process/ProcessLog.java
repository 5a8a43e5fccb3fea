package org.asyncop.process;

import java.lang.System.Logger.Level;
import org.asyncop.core.UserCode;

/** Where this module reports what it cannot throw. */
final class ProcessLog {
  private static final System.Logger LOG = System.getLogger("org.asyncop.process");

  private ProcessLog() {}

  static void userCodeThrew(String what, Throwable t) {
    LOG.log(Level.WARNING, what + " threw; the loop goes on", t);
  }

  static void warn(String message) {
    LOG.log(Level.WARNING, message);
  }

  static void rethrowIfFatal(Throwable t) {
    UserCode.rethrowIfFatal(t);
  }
}
