package org.asyncop.core;

/**
 * Outside work (a private thread pool, a native library) that keeps its context from finishing
 * its close. See {@link AoContext#hold(Runnable)}.
 */
public interface Hold extends AutoCloseable {
  /** Releases the hold. Idempotent, safe from any thread. */
  @Override
  void close();
}
