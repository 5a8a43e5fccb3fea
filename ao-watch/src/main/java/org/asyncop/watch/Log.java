package org.asyncop.watch;

import java.lang.System.Logger.Level;

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

  /** Rethrows errors the JVM cannot go on from; returns for everything else. */
  static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError || t instanceof LinkageError) {
      throw (Error) t;
    }
  }
}
