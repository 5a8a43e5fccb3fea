package org.asyncop.process;

import static org.asyncop.process.internal.Native.LIBC;

import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import org.asyncop.process.internal.Native;

/*
 * The reaper's epoll instance. Descriptors are added by whichever thread spawns a child (the
 * spawning thread registers the child's pidfd and pipes itself, so the reaper is never woken just
 * to learn of a new child) and removed by the reaper thread, which alone waits on it.
 *
 * Each registration carries a 64-bit key instead of a pointer: (child id << 2) | kind, with ids
 * never reused in a context (see Reaper#byId), so an event that comes late for a child already
 * forgotten finds no child and is dropped. Key 0 is the reaper's wake-up eventfd.
 *
 * Level-triggered: a pidfd stays readable and a pipe at end of file stays readable until closed,
 * so a descriptor is removed (EPOLL_CTL_DEL) before it is closed; close alone would not remove it
 * while a concurrent spawn's child still holds a copy of the descriptor table.
 *
 * struct epoll_event is {uint32 events; uint64 data}: packed (12 bytes, data at 4) on x86-64,
 * naturally aligned (16 bytes, data at 8) elsewhere, aarch64 included.
 */
final class EpollSet {
  static final int PIDFD = 0;
  static final int STDIN = 1;
  static final int STDOUT = 2;
  static final int STDERR = 3;
  static final long WAKE_KEY = 0;

  private static final boolean PACKED =
      Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64;
  private static final int EVENT_SIZE = PACKED ? 12 : 16;
  private static final int DATA_OFFSET = PACKED ? 4 : 8;
  private static final int MAX_EVENTS = 64;
  /** Per registering thread: one struct epoll_event for epoll_ctl. */
  private static final ThreadLocal<Pointer> CTL =
      ThreadLocal.withInitial(() -> Native.allocate(16));

  private final int epfd;
  // ---- confined to the reaper thread ----
  private final Pointer events = Native.allocate(EVENT_SIZE * MAX_EVENTS);

  /** @throws IllegalStateException if the kernel refuses an epoll instance */
  EpollSet() {
    epfd = LIBC.epoll_create1(Native.O_CLOEXEC);
    if (epfd < 0) {
      throw new IllegalStateException("epoll_create1 failed: " + Native.describe(Native.errno()));
    }
  }

  static long key(long childId, int kind) {
    return childId << 2 | kind;
  }

  static long childId(long key) {
    return key >>> 2;
  }

  static int kind(long key) {
    return (int) (key & 3);
  }

  /** Any thread: watches {@code fd} for {@code events}; returns 0 or the errno. */
  int add(int fd, int events, long key) {
    Pointer ev = CTL.get();
    ev.putInt(0, events);
    ev.putLong(DATA_OFFSET, key);
    return LIBC.epoll_ctl(epfd, Native.EPOLL_CTL_ADD, fd, ev) == 0 ? 0 : Native.errno();
  }

  /** Reaper thread: stops watching {@code fd}. */
  void remove(int fd) {
    LIBC.epoll_ctl(epfd, Native.EPOLL_CTL_DEL, fd, CTL.get());
  }

  /** Reaper thread: epoll_wait; returns the number of events, or -1 with errno set (EINTR). */
  int await(int timeoutMillis) {
    return LIBC.epoll_wait(epfd, events, MAX_EVENTS, timeoutMillis);
  }

  /** Reaper thread: the key of the {@code i}th event of the last {@link #await}. */
  long keyAt(int i) {
    return events.getLong((long) EVENT_SIZE * i + DATA_OFFSET);
  }

  /** Reaper thread, once stopped. */
  void close() {
    LIBC.close(epfd);
  }
}
