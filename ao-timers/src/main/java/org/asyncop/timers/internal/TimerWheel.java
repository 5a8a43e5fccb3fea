package org.asyncop.timers.internal;

import org.asyncop.core.Ao;
import org.asyncop.core.HookNode;
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
   * differ, in slot (t >>> 6l) & 63. At level l every node sits in a slot after cur's own group l
   * (equal would mean a lower level), so:
   *   - the next tick at which anything happens is the start of the first non-empty slot after
   *     cur's group, at the lowest level that has one (lower levels always end before higher ones
   *     begin); `nextEvent()` finds it with a trailing-zeros count over `occupied`;
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
   * Fresh nodes. scheduleAfter(n, delay) reads no clock: it parks the node in the FRESH list with
   * its delay in `tick`. stamp(now) gives each fresh node the deadline now + delay and places it;
   * poll(now) stamps first. The caller promises that `now` was read after the scheduleAfter call
   * (a loop reads its clock for poll after the task that set the timer), so now + delay is never
   * before call time + delay: a fresh node can fire late by the time until its stamp, never early.
   * A timer set and cancelled before the stamp costs no clock read and never enters a slot.
   * After STAMP_EVERY fresh nodes scheduleAfter asks for a stamp, so that timers set in a long run
   * of calls are not all held to the run's end. A node a poll's expiry schedules fresh is stamped
   * by the next poll, not with this poll's `now`, which was read before it.
   *
   * Lists. Each slot (and DUE, and LATE) is a circular doubly linked list through a Slot head and
   * its nodes (FIFO). The links are typed Object, being a Node or the Slot, so a node unlinks
   * itself in O(1) knowing nothing of the wheel: a timer needs no reference to its wheel, and a
   * cancel is four writes. The price: the wheel keeps no count (size() walks the lists, for
   * diagnostics), and `occupied[l]` bit s is only a hint, set when a node goes into slot s and
   * cleared when the wheel finds the slot empty, so a set bit may name an emptied slot, never the
   * other way round. Not scheduled: `next == null`. A cancelled node keeps nothing reachable.
   */

  /**
   * A timer in the wheel, which is also the cancel hook it pushes on its operation ({@link
   * HookNode}); subclasses say what expiry does.
   */
  public abstract static class Node extends HookNode {
    /** The node or Slot before this one; null when not scheduled. */
    @Nullable Object prev;
    /** The node or Slot after this one; null when not scheduled. */
    @Nullable Object next;
    long tick;

    protected Node(Ao<?> ao) {
      super(ao);
    }

    /**
     * Called by {@link #poll} on the driving thread once the node is due and unscheduled.
     *
     * @param wheel the wheel that fired it, for a node that schedules itself again
     */
    protected abstract void expire(TimerWheel wheel);

    /** Whether the node is in a wheel now. */
    public final boolean isScheduled() {
      return next != null;
    }

    /**
     * Removes this node from its wheel if it is in one; O(1). On the wheel's thread.
     *
     * @return whether it was scheduled
     */
    public final boolean unschedule() {
      Object x = next;
      if (x == null) {
        return false;
      }
      Object p = prev;
      setNext(p, x);
      setPrev(x, p);
      prev = null;
      next = null;
      return true;
    }
  }

  /** The head of one list; the list is empty when {@code next == this}. */
  private static final class Slot {
    Object prev = this;
    Object next = this;

    boolean isEmpty() {
      return next == this;
    }
  }

  private static void setNext(@Nullable Object at, Object v) {
    if (at instanceof Node n) {
      n.next = v;
    } else {
      ((Slot) at).next = v;
    }
  }

  private static void setPrev(Object at, @Nullable Object v) {
    if (at instanceof Node n) {
      n.prev = v;
    } else {
      ((Slot) at).prev = v;
    }
  }

  /** The default resolution: 2^18 ns, about 0.26 ms. */
  public static final int DEFAULT_TICK_SHIFT = 18;

  private static final int BITS = 6;
  private static final int SLOTS = 1 << BITS;

  private final long origin;
  private final int shift;
  private final int levels;
  /** levels * 64 slots. */
  private final Slot[] slots;

  /**
   * After this many {@link #scheduleAfter} calls without a stamp, scheduleAfter asks its caller to
   * stamp.
   */
  public static final int STAMP_EVERY = 64;

  private final Slot due = new Slot();
  private final Slot late = new Slot();
  private final Slot fresh = new Slot();
  /** scheduleAfter calls since the last stamp. */
  private int freshCalls;
  private final long[] occupied;
  private long cur;

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
    this.slots = new Slot[levels * SLOTS];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot();
    }
    this.occupied = new long[levels];
  }

  /** How many nodes are scheduled; walks every list (diagnostics and tests). */
  public int size() {
    int n = count(due) + count(late) + count(fresh);
    for (Slot s : slots) {
      n += count(s);
    }
    return n;
  }

  private static int count(Slot s) {
    int n = 0;
    for (Object o = s.next; o != s; o = ((Node) o).next) {
      n++;
    }
    return n;
  }

  /**
   * Schedules {@code n} to expire at the first poll at or after {@code deadlineNanos}; a deadline
   * already past expires at the next poll.
   *
   * @throws IllegalStateException if {@code n} is already scheduled
   */
  public void schedule(Node n, long deadlineNanos) {
    if (n.next != null) {
      throw new IllegalStateException("already scheduled: " + n);
    }
    long rel = saturatedSub(deadlineNanos, origin);
    long t = rel <= 0 ? 0 : (rel >> shift) + ((rel & ((1L << shift) - 1)) != 0 ? 1 : 0);
    if (t <= cur) {
      n.tick = t;
      append(late, n);
    } else {
      insert(n, t);
    }
  }

  /**
   * Schedules {@code n} to expire {@code delayNanos} after the time given to the next {@link
   * #stamp} or {@link #poll}, without reading a clock. That time must be read after this call: then
   * the node never expires before this call's time plus {@code delayNanos}, and late by no more
   * than the time until that stamp.
   *
   * @param delayNanos zero or more
   * @return true once {@link #STAMP_EVERY} nodes were scheduled this way since the last stamp: the
   *     caller should now {@link #stamp} with a time read now
   * @throws IllegalStateException if {@code n} is already scheduled
   */
  public boolean scheduleAfter(Node n, long delayNanos) {
    if (n.next != null) {
      throw new IllegalStateException("already scheduled: " + n);
    }
    n.tick = delayNanos;
    append(fresh, n);
    return ++freshCalls >= STAMP_EVERY;
  }

  /**
   * Gives every node scheduled with {@link #scheduleAfter} since the last stamp its deadline:
   * {@code nowNanos} plus its delay. {@code nowNanos} must be read after those calls.
   */
  public void stamp(long nowNanos) {
    freshCalls = 0;
    Object o;
    while ((o = fresh.next) != fresh) {
      Node n = (Node) o;
      n.unschedule();
      schedule(n, saturatedAdd(nowNanos, n.tick));
    }
  }

  /**
   * Removes {@code n} if it is scheduled; O(1). Same as {@link Node#unschedule()}.
   *
   * @return whether it was scheduled
   */
  public boolean cancel(Node n) {
    return n.unschedule();
  }

  /**
   * Stamps the fresh nodes with {@code nowNanos} (see {@link #stamp}), then expires every node due
   * at {@code nowNanos}, in tick order, calling {@link Node#expire} on this thread. Expiry may
   * schedule and cancel nodes.
   *
   * @return nanoseconds until the next poll is needed, 0 if at once (also when expiry scheduled
   *     fresh nodes, which the next poll stamps), {@link Long#MAX_VALUE} if nothing is scheduled
   */
  public long poll(long nowNanos) {
    stamp(nowNanos);
    long rel = saturatedSub(nowNanos, origin);
    long target = Math.max(cur, rel >> shift);
    moveAll(late, due);
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
    if (!late.isEmpty() || !due.isEmpty() || !fresh.isEmpty()) {
      return 0;
    }
    long e = nextEvent();
    if (e == Long.MAX_VALUE || e > (Long.MAX_VALUE >> shift)) {
      return Long.MAX_VALUE;
    }
    return (e << shift) - rel;
  }

  private void fireDue() {
    Object o;
    while ((o = due.next) != due) {
      Node n = (Node) o;
      n.unschedule();
      n.expire(this);
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
      while (after != 0) {
        int s = Long.numberOfTrailingZeros(after);
        if (!slots[(l << BITS) | s].isEmpty()) {
          int up = sh + BITS;
          long base = up >= 64 ? 0 : (cur >>> up) << up;
          return base | ((long) s << sh);
        }
        occupied[l] &= ~(1L << s); // emptied by cancels: a stale hint
        after &= after - 1;
      }
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
      occupied[l] &= ~(1L << s);
      Slot slot = slots[(l << BITS) | s];
      Object o = slot.next;
      slot.next = slot;
      slot.prev = slot;
      while (o != slot) {
        Node n = (Node) o;
        o = n.next;
        n.prev = null;
        n.next = null;
        long t = n.tick;
        if (t <= cur) {
          append(due, n);
        } else {
          insert(n, t);
        }
      }
    }
    int s0 = (int) e & (SLOTS - 1);
    if ((occupied[0] & (1L << s0)) != 0) {
      occupied[0] &= ~(1L << s0);
      moveAll(slots[s0], due);
    }
  }

  private void insert(Node n, long t) {
    int l = (63 - Long.numberOfLeadingZeros(t ^ cur)) / BITS;
    int s = (int) (t >>> (l * BITS)) & (SLOTS - 1);
    n.tick = t;
    append(slots[(l << BITS) | s], n);
    occupied[l] |= 1L << s;
  }

  private static void append(Slot list, Node n) {
    Object last = list.prev;
    n.prev = last;
    n.next = list;
    setNext(last, n);
    list.prev = n;
  }

  /** Moves every node of {@code from} to the end of {@code to}, keeping their order; O(1). */
  private static void moveAll(Slot from, Slot to) {
    if (from.isEmpty()) {
      return;
    }
    Object first = from.next;
    Object last = from.prev;
    Object tail = to.prev;
    setNext(tail, first);
    setPrev(first, tail);
    setNext(last, to);
    to.prev = last;
    from.next = from;
    from.prev = from;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
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
    return "TimerWheel[tick=" + cur + ", resolution=" + (1L << shift) + "ns]";
  }
}
