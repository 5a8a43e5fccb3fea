package org.asyncop.process;

import java.util.Arrays;
import jnr.ffi.Pointer;

/**
 * The bytes read from one captured pipe, up to a bound; what comes after the bound is counted and
 * dropped. Confined to the reaper thread until the exit is built.
 */
final class Capture {
  private final int limit;
  private byte[] buf = new byte[256];
  private int size;
  private boolean truncated;

  Capture(int limit) {
    this.limit = limit;
  }

  /** Appends {@code n} bytes from {@code src}, keeping at most the bound. */
  void append(Pointer src, int n) {
    int keep = Math.min(n, limit - size);
    if (keep < n) {
      truncated = true;
    }
    if (keep <= 0) {
      return;
    }
    if (size + keep > buf.length) {
      buf = Arrays.copyOf(buf, Math.min(limit, Math.max(size + keep, buf.length * 2)));
    }
    src.get(0, buf, size, keep);
    size += keep;
  }

  byte[] bytes() {
    return Arrays.copyOf(buf, size);
  }

  boolean truncated() {
    return truncated;
  }
}
