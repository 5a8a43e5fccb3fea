package org.asyncop.process.internal;

import java.nio.charset.Charset;
import java.util.List;
import jnr.ffi.Pointer;

/*
 * A NULL-terminated array of C strings (the char *const argv[] and envp[] of posix_spawnp) built
 * once in a single block of native memory: the pointers first, then the strings they point to.
 *
 * Why: handing jnr-ffi a CharSequence[] per call makes it encode every string and allocate a
 * separate direct buffer for each, on every spawn; with this JVM's 37-variable environment that
 * measured 16 to 60 us a call against about 1 us for ready pointers. A spec's command and the
 * JVM's environment never change, so they are built once and reused.
 *
 * Strings are encoded with the default charset, as jnr-ffi did for CharSequence parameters. The
 * block is freed by the garbage collector once its Pointer is unreachable; the strings live in
 * the same block, so holding the Pointer keeps all of it valid.
 */
public final class CStringArray {
  private CStringArray() {}

  /** The array of {@code strings}, then NULL. */
  public static Pointer of(List<String> strings) {
    Charset cs = Charset.defaultCharset();
    int n = strings.size();
    byte[][] bytes = new byte[n][];
    int ptrBytes = (n + 1) * Native.RUNTIME.addressSize();
    int size = ptrBytes;
    for (int i = 0; i < n; i++) {
      bytes[i] = strings.get(i).getBytes(cs);
      size += bytes[i].length + 1;
    }
    Pointer block = Native.allocate(size); // zeroed: each string ends in NUL, and so does the array
    long at = ptrBytes;
    for (int i = 0; i < n; i++) {
      block.put(at, bytes[i], 0, bytes[i].length);
      block.putAddress((long) i * Native.RUNTIME.addressSize(), block.address() + at);
      at += bytes[i].length + 1;
    }
    return block;
  }
}
