package org.asyncop.watch;

import java.lang.System.Logger.Level;
import org.asyncop.core.UserCode;

/** Where this module reports what it cannot throw: user code that threw, cleanup that failed. */
final class Log {
  private static final System.Logger LOG = System.getLogger("org.asyncop.watch");

  private Log() {}

  static void userCodeThrew(String what, Throwable t) {
    rethrowIfFatal(t);
    LOG.log(Level.WARNING, what + " threw; carrying on", t);
  }

  static void warn(String message, Throwable t) {
    LOG.log(Level.WARNING, message, t);
  }

  /** See {@link UserCode#rethrowIfFatal}. */
  static void rethrowIfFatal(Throwable t) {
    UserCode.rethrowIfFatal(t);
  }
}
