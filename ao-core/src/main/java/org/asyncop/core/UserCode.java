package org.asyncop.core;

/**
 * How asyncop, and the modules built on it, treat an exception thrown by user code (a hook, a
 * listener, a callback, a task): it is logged, and the loop goes on. Only an error the JVM itself
 * cannot go on from is let through.
 */
public final class UserCode {
  private UserCode() {}

  /**
   * Rethrows {@code t} if it is a {@link VirtualMachineError} other than a stack overflow (out of
   * memory, internal error); returns otherwise, so that the caller logs it and carries on. A
   * {@link LinkageError} is not fatal here: a class of the user's that failed to initialize (as a
   * JDK class can when descriptors run out) breaks that code, not the loop that ran it. Nor is a
   * {@link StackOverflowError}: by the time it is caught the stack has unwound, and the runaway
   * recursion was the user code's; letting it through would end the loop's thread and leave every
   * operation on that loop, and the context's close, waiting for ever.
   */
  public static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError e && !(t instanceof StackOverflowError)) {
      throw e;
    }
  }
}
