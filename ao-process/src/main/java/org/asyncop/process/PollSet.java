package org.asyncop.process;

import java.util.Arrays;
import jnr.ffi.Pointer;
import org.asyncop.process.internal.Native;
import org.jspecify.annotations.Nullable;

/**
 * The reaper's array of {@code struct pollfd} (int fd, short events, short revents: 8 bytes),
 * rebuilt before each poll, with the owner of each slot. Confined to the reaper thread.
 */
final class PollSet {
  static final int STDIN = 0;
  static final int STDOUT = 1;
  static final int STDERR = 2;
  static final int PIDFD = 3;
  static final int WAKE = 4;

  private Pointer fds = Native.allocate(8 * 64);
  private @Nullable ChildImpl[] owners = new ChildImpl[64];
  private int[] kinds = new int[64];
  private int size;

  void clear() {
    size = 0;
  }

  void add(int fd, short events, @Nullable ChildImpl owner, int kind) {
    if (size == owners.length) {
      int n = size * 2;
      Pointer bigger = Native.allocate(8 * n);
      bigger.transferFrom(0, fds, 0, 8L * size);
      fds = bigger;
      owners = Arrays.copyOf(owners, n);
      kinds = Arrays.copyOf(kinds, n);
    }
    fds.putInt(8L * size, fd);
    fds.putShort(8L * size + 4, events);
    fds.putShort(8L * size + 6, (short) 0);
    owners[size] = owner;
    kinds[size] = kind;
    size++;
  }

  /** poll(2); returns the number of ready slots, or -1 with errno set (EINTR). */
  int poll(int timeoutMillis) {
    return Native.LIBC.poll(fds, size, timeoutMillis);
  }

  int size() {
    return size;
  }

  short revents(int i) {
    return fds.getShort(8L * i + 6);
  }

  @Nullable ChildImpl owner(int i) {
    return owners[i];
  }

  int kind(int i) {
    return kinds[i];
  }

  /** Drops the owners so that finished children are not kept reachable. */
  void release() {
    Arrays.fill(owners, 0, size, null);
    size = 0;
  }
}
