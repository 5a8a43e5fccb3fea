package org.asyncop.core.internal;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The FIFO of tasks a loop posts to itself (deliveries, hook drains, progress): confined to the
 * loop's thread, so it has no atomics.
 */
final class LocalQueue {
  /*
   * Chunks of CHUNK slots, each used once: filled from its first slot to its last, drained the
   * same way, then dropped. Slot CHUNK of a chunk links to the next one.
   *
   * Why not an ArrayDeque: its array lives as long as the loop, so it soon sits in the old
   * generation, and under G1 each store of a new task (a young object) into an old array takes
   * the slow path of the card-marking barrier, a StoreLoad fence: about a tenth of an
   * operation's whole life on the loop (AoLifeCpu: the life cost 0.87-0.92 of Guava's with the
   * Parallel collector, whose barrier has no fence, and 1.11-1.21 with G1). A chunk is young for
   * most of its short life, so those stores stay on the barrier's fast path; the store of a new
   * chunk into this long-lived queue is paid once per CHUNK tasks. A loop that posts rarely may
   * keep a chunk long enough to age it: then its rare posts pay the fence, which no one notices.
   *
   * Invariants: every chunk between `head` and `tail` is full; a chunk is allocated only to take
   * a task at once, so `head != tail` means the queue holds a task. Empty: head == tail and
   * headIndex == tailIndex.
   */
  static final int CHUNK = 64;

  /** The chunk being drained. */
  private Object[] head;
  /** The next slot to take in {@code head}. */
  private int headIndex;
  /** The chunk being filled. */
  private Object[] tail;
  /** The next free slot in {@code tail}. */
  private int tailIndex;

  LocalQueue() {
    head = tail = new Object[CHUNK + 1];
  }

  void add(Runnable task) {
    requireNonNull(task, "task");
    if (tailIndex == CHUNK) {
      Object[] c = new Object[CHUNK + 1];
      tail[CHUNK] = c;
      tail = c;
      tailIndex = 0;
    }
    tail[tailIndex++] = task;
  }

  /** The oldest task, removed; null if there is none. */
  @Nullable Runnable poll() {
    if (headIndex == CHUNK) {
      Object[] used = head;
      Object[] next = (Object[]) used[CHUNK];
      if (next == null) {
        return null; // the last chunk is used up and nothing was added since
      }
      // unlinked, so a used chunk that was promoted cannot keep the young ones after it alive
      used[CHUNK] = null;
      head = next;
      headIndex = 0;
    }
    if (head == tail && headIndex == tailIndex) {
      return null;
    }
    Object[] h = head;
    int i = headIndex;
    Runnable t = (Runnable) h[i];
    h[i] = null; // the task may be collected once it has run, though the chunk lives on
    headIndex = i + 1;
    return t;
  }

  boolean isEmpty() {
    return head == tail && headIndex == tailIndex;
  }
}
