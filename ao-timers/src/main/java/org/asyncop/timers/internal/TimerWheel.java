package org.asyncop.timers.internal;

import org.jspecify.annotations.Nullable;

/**
 * A passive hierarchical timing wheel: O(1) schedule and cancel, handed {@code now} by whoever
 * drives it, owning no thread. Not thread-safe: one thread (a loop) uses it.
 */
public final class TimerWheel {
  /*
   * Overview.
   *
   * Time is counted in ticks of 2^shift ns from `origin`. `cur` is the last tick processed: every
   * node whose tick is <= cur has been moved to the DUE list (fired in this poll) or is in the LATE
   * list (scheduled when already due; fired at the next poll, so that a callback that schedules a
   * zero delay cannot keep one poll going forever).
   *
   * Levels. A node with tick t > cur lives at level l = the highest 6-bit group in which t and cur
   * differ, in slot (t >>> 6l) & 63. This is an invariant between t and cur alone, so a node needs
   * no field saying where it is: cancel recomputes the list from (tick, cur). Each slot is an
   * intrusive doubly linked list (FIFO), and `occupied[l]` has bit s set iff slot s of level l is
   * not empty. At level l every node sits in a slot after cur's own group l (equal would mean a
   * lower level), so:
   *   - the next tick at which anything happens is the start of the first occupied slot after
   *     cur's group, at the lowest non-empty level (lower levels always end before higher ones
   *     begin); `nextEvent()` finds it with one trailing-zeros count;
   *   - when cur reaches the start of slot s at level l >= 1 (its low 6l bits are zero), the nodes
   *     of that slot are re-placed ("cascaded"), highest level first; each moves down at most once
   *     per level, so the work per node is bounded by the number of levels (8 at the default
   *     resolution, covering 2^45 ticks: every delay a long can hold);
   *   - the nodes in slot (cur & 63) of level 0 have tick == cur: they go to DUE.
   * poll(now) jumps from event to event up to floor(now), firing each event's DUE list before
   * moving on, so timers fire in tick order even when the poll comes late, and a node scheduled
   * by a callback for a tick inside the jump still fires in the same poll.
   *
   * A node fires when cur >= its tick, and its tick is its deadline rounded up: never early.
   *
   * Unscheduled marker: `prev == this`. Free of any other bookkeeping, a cancelled node is
   * unlinked at once and keeps nothing reachable.
   */

  /** A timer in the wheel; subclasses say what expiry does. */
  public abstract static class Node {
    @Nullable Node prev = this;
    @Nullable Node next;
    long tick;

    protected Node() {}

    /** Called by {@link #poll} on the driving thread once the node is due and unscheduled. */
    protected abstract void expire();

    /** Whether the node is in a wheel now. */
    public final boolean isScheduled() {
      return prev != this;
    }
  }

  /** The default resolution: 2^18 ns, about 0.26 ms. */
  public static final int DEFAULT_TICK_SHIFT = 18;

  private static final int BITS = 6;
  private static final int SLOTS = 1 << BITS;
  private static final long LATE_TICK = Long.MIN_VALUE;

  private final long origin;
  private final int shift;
  private final int levels;
  private final int due;
  private final int late;
  /** List heads and tails: levels * 64 slots, then DUE, then LATE. */
  private final @Nullable Node[] heads;

  private final @Nullable Node[] tails;
  private final long[] occupied;
  private long cur;
  private int size;

  /**
   * @param originNanos the time from which ticks are counted (the driver's clock at creation)
   * @param tickShift the resolution is 2^tickShift ns, from 0 to 30
   * @throws IllegalArgumentException if {@code tickShift} is out of range
   */
  public TimerWheel(long originNanos, int tickShift) {
    if (tickShift < 0 || tickShift > 30) {
      throw new IllegalArgumentException("tickShift must be within 0..30, was " + tickShift);
    }
    this.origin = originNanos;
    this.shift = tickShift;
    this.levels = (63 - tickShift) / BITS + 1;
    this.due = levels * SLOTS;
    this.late = due + 1;
    this.heads = new Node[late + 1];
    this.tails = new Node[late + 1];
    this.occupied = new long[levels];
  }

  /** How many nodes are scheduled. */
  public int size() {
    return size;
  }

  /**
   * Schedules {@code n} to expire at the first poll at or after {@code deadlineNanos}; a deadline
   * already past expires at the next poll.
   *
   * @throws IllegalStateException if {@code n} is already scheduled
   */
  public void schedule(Node n, long deadlineNanos) {
    if (n.prev != n) {
      throw new IllegalStateException("already scheduled: " + n);
    }
    size++;
    long rel = saturatedSub(deadlineNanos, origin);
    long t = rel <= 0 ? 0 : (rel >> shift) + ((rel & ((1L << shift) - 1)) != 0 ? 1 : 0);
    if (t <= cur) {
      n.tick = LATE_TICK;
      append(late, n);
    } else {
      insert(n, t);
    }
  }

  /**
   * Removes {@code n} if it is scheduled; O(1).
   *
   * @return whether it was scheduled
   */
  public boolean cancel(Node n) {
    if (n.prev == n) {
      return false;
    }
    int idx = listOf(n.tick);
    Node p = n.prev;
    Node x = n.next;
    if (p == null) {
      heads[idx] = x;
      if (x == null && idx < due) {
        occupied[idx >>> BITS] &= ~(1L << (idx & (SLOTS - 1)));
      }
    } else {
      p.next = x;
    }
    if (x == null) {
      tails[idx] = p;
    } else {
      x.prev = p;
    }
    n.prev = n;
    n.next = null;
    size--;
    return true;
  }

  /**
   * Expires every node due at {@code nowNanos}, in tick order, calling {@link Node#expire} on this
   * thread. Expiry may schedule and cancel nodes.
   *
   * @return nanoseconds until the next poll is needed, 0 if at once, {@link Long#MAX_VALUE} if
   *     nothing is scheduled
   */
  public long poll(long nowNanos) {
    long rel = saturatedSub(nowNanos, origin);
    long target = Math.max(cur, rel >> shift);
    if (heads[late] != null) {
      for (Node n = heads[late]; n != null; n = n.next) {
        n.tick = cur; // now in DUE (tick <= cur)
      }
      appendList(due, heads[late], tails[late]);
      heads[late] = null;
      tails[late] = null;
    }
    fireDue();
    while (cur < target) {
      long e = nextEvent();
      if (e > target) {
        cur = target;
        break;
      }
      cur = e;
      cascade(e);
      fireDue();
    }
    if (heads[late] != null || heads[due] != null) {
      return 0;
    }
    long e = nextEvent();
    if (e == Long.MAX_VALUE || e > (Long.MAX_VALUE >> shift)) {
      return Long.MAX_VALUE;
    }
    return (e << shift) - rel;
  }

  private void fireDue() {
    Node n;
    while ((n = heads[due]) != null) {
      Node x = n.next;
      heads[due] = x;
      if (x == null) {
        tails[due] = null;
      } else {
        x.prev = null;
      }
      n.prev = n;
      n.next = null;
      size--;
      n.expire();
    }
  }

  /** The next tick at which a slot must be cascaded or fired; MAX_VALUE if none. */
  private long nextEvent() {
    for (int l = 0; l < levels; l++) {
      long occ = occupied[l];
      if (occ == 0) {
        continue;
      }
      int sh = l * BITS;
      int g = (int) (cur >>> sh) & (SLOTS - 1);
      long after = occ & (-2L << g); // g == 63 gives 0: nothing can be after it
      if (after == 0) {
        continue;
      }
      int up = sh + BITS;
      long base = up >= 64 ? 0 : (cur >>> up) << up;
      return base | ((long) Long.numberOfTrailingZeros(after) << sh);
    }
    return Long.MAX_VALUE;
  }

  /** cur has just become {@code e}: re-place the slots that start here, then collect level 0. */
  private void cascade(long e) {
    for (int l = levels - 1; l >= 1; l--) {
      int sh = l * BITS;
      if (occupied[l] == 0 || (e & ((1L << sh) - 1)) != 0) {
        continue;
      }
      int s = (int) (e >>> sh) & (SLOTS - 1);
      if ((occupied[l] & (1L << s)) == 0) {
        continue;
      }
      int idx = (l << BITS) | s;
      Node n = heads[idx];
      heads[idx] = null;
      tails[idx] = null;
      occupied[l] &= ~(1L << s);
      while (n != null) {
        Node x = n.next;
        long t = n.tick;
        if (t <= cur) {
          n.next = null;
          appendList(due, n, n);
        } else {
          insert(n, t);
        }
        n = x;
      }
    }
    int s0 = (int) e & (SLOTS - 1);
    if ((occupied[0] & (1L << s0)) != 0) {
      appendList(due, heads[s0], tails[s0]);
      heads[s0] = null;
      tails[s0] = null;
      occupied[0] &= ~(1L << s0);
    }
  }

  private void insert(Node n, long t) {
    int l = (63 - Long.numberOfLeadingZeros(t ^ cur)) / BITS;
    int s = (int) (t >>> (l * BITS)) & (SLOTS - 1);
    n.tick = t;
    append((l << BITS) | s, n);
    occupied[l] |= 1L << s;
  }

  private int listOf(long t) {
    if (t == LATE_TICK) {
      return late;
    }
    if (t <= cur) {
      return due;
    }
    int l = (63 - Long.numberOfLeadingZeros(t ^ cur)) / BITS;
    return (l << BITS) | ((int) (t >>> (l * BITS)) & (SLOTS - 1));
  }

  private void append(int idx, Node n) {
    Node t = tails[idx];
    n.prev = t;
    n.next = null;
    if (t == null) {
      heads[idx] = n;
    } else {
      t.next = n;
    }
    tails[idx] = n;
  }

  /** Appends the chain first..last (already linked among themselves) to list idx. */
  private void appendList(int idx, @Nullable Node first, @Nullable Node last) {
    if (first == null || last == null) {
      return;
    }
    Node t = tails[idx];
    first.prev = t;
    if (t == null) {
      heads[idx] = first;
    } else {
      t.next = first;
    }
    tails[idx] = last;
  }

  private static long saturatedSub(long a, long b) {
    long r = a - b;
    if (((a ^ b) & (a ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  @Override
  public String toString() {
    return "TimerWheel[size=" + size + ", tick=" + cur + ", resolution=" + (1L << shift) + "ns]";
  }
}
