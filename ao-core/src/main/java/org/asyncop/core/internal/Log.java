package org.asyncop.core.internal;

import java.lang.System.Logger.Level;

/** Where the core reports what it cannot throw: user code that threw, leaks, stuck closes. */
public final class Log {
  private static final System.Logger LOG = System.getLogger("org.asyncop");

  private Log() {}

  /** User code (a hook, a listener, a callback, a task) threw; the loop goes on. */
  public static void userCodeThrew(String what, Throwable t) {
    LOG.log(Level.WARNING, what + " threw; the loop goes on", t);
  }

  /** Something the caller should know about, without an exception to throw. */
  public static void warn(String message) {
    LOG.log(Level.WARNING, message);
  }
}
