package org.asyncop.timers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wheel alone, driven by a fake clock: every test picks the times it polls at. A node is also
 * a hook node, so it names an operation; these nodes are never pushed on it.
 */
class TimerWheelTest {
  private static AoContext ctx;
  private static Ao<Void> op;

  @BeforeAll
  static void operation() {
    ctx = AoContext.create();
    op = ctx.begin(AoHow.callback(o -> {}));
    op.onCancel(op::cancelled);
  }

  @AfterAll
  static void close() {
    ctx.close();
  }

  private static final int SHIFT = TimerWheel.DEFAULT_TICK_SHIFT;
  private static final long TICK = 1L << SHIFT;

  /** A wheel node that is never pushed on its operation, so its hook never runs. */
  abstract static class TestNode extends TimerWheel.Node {
    TestNode() {
      super(op);
    }

    @Override
    protected void cancel() {
      throw new AssertionError("never pushed, so never cancelled");
    }
  }

  /** A node that records when (at which poll time) and in what order it expired. */
  static final class Rec extends TestNode {
    final long deadline;
    final List<Rec> log;
    long firedAt = -1;
    long now;
    Consumer<Rec> onExpire = r -> {};

    Rec(long deadline, List<Rec> log) {
      this.deadline = deadline;
      this.log = log;
    }

    @Override
    protected void expire(TimerWheel wheel) {
      if (firedAt >= 0) {
        throw new AssertionError("fired twice: " + deadline);
      }
      firedAt = now;
      log.add(this);
      onExpire.accept(this);
    }
  }

  private final List<Rec> log = new ArrayList<>();

  private long poll(TimerWheel w, long now, List<Rec> all) {
    for (Rec r : all) {
      r.now = now;
    }
    return w.poll(now);
  }

  @Test
  void firesNotBeforeItsDeadlineAndWithinOneTickAfter() {
    Random rnd = new Random(1);
    for (int i = 0; i < 2_000; i++) {
      long origin = rnd.nextLong() >> 2; // nanoTime may be negative
      TimerWheel w = new TimerWheel(origin, SHIFT);
      long deadline = origin + 1 + (long) (rnd.nextDouble() * TimeUnit.SECONDS.toNanos(100));
      Rec r = new Rec(deadline, log);
      w.schedule(r, deadline);
      List<Rec> all = List.of(r);
      poll(w, deadline - 1, all);
      assertEquals(-1, r.firedAt, "fired early");
      poll(w, deadline + TICK, all);
      assertEquals(deadline + TICK, r.firedAt, "not fired one tick after its deadline");
      assertEquals(0, w.size());
    }
  }

  @Test
  void pastAndZeroDeadlinesFireAtTheNextPoll() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    poll(w, 50 * TICK + 7, List.of());
    Rec past = new Rec(5, log);
    Rec now = new Rec(50 * TICK, log);
    w.schedule(past, 5);
    w.schedule(now, 50 * TICK);
    assertEquals(Long.MAX_VALUE, poll(w, 50 * TICK + 7, List.of(past, now)));
    assertEquals(List.of(past, now), log);
  }

  @Test
  void aZeroDelayScheduledByExpiryWaitsForTheNextPoll() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    Rec first = new Rec(TICK, log);
    Rec second = new Rec(TICK, log);
    first.onExpire = r -> w.schedule(second, r.now);
    w.schedule(first, TICK);
    assertEquals(0, poll(w, TICK, List.of(first, second)));
    assertEquals(List.of(first), log);
    poll(w, TICK, List.of(first, second));
    assertEquals(List.of(first, second), log);
  }

  @Test
  void aNodeScheduledAfterADelayCountsItFromTheNextStampOrPoll() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    Rec r = new Rec(-1, log);
    assertFalse(w.scheduleAfter(r, 10 * TICK)); // set at time 0..3 ticks: its stamp comes later
    assertTrue(r.isScheduled());
    assertEquals(1, w.size());
    assertEquals(10 * TICK, poll(w, 3 * TICK, List.of(r)), "stamped at 3, due 10 ticks later");
    poll(w, 13 * TICK - 1, List.of(r));
    assertEquals(-1, r.firedAt, "fired before its stamp plus its delay");
    poll(w, 13 * TICK, List.of(r));
    assertEquals(13 * TICK, r.firedAt);
  }

  @Test
  void everyStampEveryCallsAskForAStampAndAStampPlacesThemAll() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    List<Rec> all = new ArrayList<>();
    for (int i = 1; i <= 2 * TimerWheel.STAMP_EVERY; i++) {
      Rec r = new Rec(-1, log);
      all.add(r);
      boolean ask = w.scheduleAfter(r, i * TICK);
      assertEquals(i % TimerWheel.STAMP_EVERY == 0, ask, "call " + i);
      if (i == TimerWheel.STAMP_EVERY) {
        w.stamp(5 * TICK);
      }
    }
    Rec cancelled = all.get(3);
    assertTrue(w.cancel(cancelled));
    w.stamp(7 * TICK);
    assertEquals(all.size() - 1, w.size());
    poll(w, 1_000 * TICK, all);
    assertEquals(all.size() - 1, log.size());
    for (int i = 0; i < all.size(); i++) {
      Rec r = all.get(i);
      long stamp = i < TimerWheel.STAMP_EVERY ? 5 * TICK : 7 * TICK;
      if (r != cancelled) {
        assertTrue(r.firedAt >= stamp + (i + 1) * TICK, "early: " + i);
      }
    }
  }

  @Test
  void aNodeScheduledAfterADelayByExpiryWaitsForTheNextPollsTime() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    Rec first = new Rec(TICK, log);
    Rec second = new Rec(-1, log);
    first.onExpire = r -> w.scheduleAfter(second, 2 * TICK);
    w.schedule(first, TICK);
    // the poll's time was read before the expiry set `second`: it must not stamp it
    assertEquals(0, poll(w, 50 * TICK, List.of(first, second)));
    assertEquals(List.of(first), log);
    poll(w, 60 * TICK, List.of(first, second)); // stamped now: due at 62
    assertEquals(List.of(first), log);
    poll(w, 62 * TICK, List.of(first, second));
    assertEquals(List.of(first, second), log);
  }

  @Test
  void firesInDeadlineOrderEvenWhenPolledLate() {
    Random rnd = new Random(2);
    TimerWheel w = new TimerWheel(0, SHIFT);
    List<Rec> all = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      // distinct ticks, spread over levels 0..3
      long tick = 1 + rnd.nextInt(1 << 20);
      Rec r = new Rec(tick * TICK, log);
      all.add(r);
      w.schedule(r, r.deadline);
    }
    long now = 0;
    while (w.size() > 0) {
      now += rnd.nextInt(1 << 12) * TICK; // polls up to ~1 s apart
      poll(w, now, all);
    }
    for (int i = 1; i < log.size(); i++) {
      assertTrue(log.get(i - 1).deadline <= log.get(i).deadline, "out of order at " + i);
    }
    assertEquals(all.size(), log.size());
  }

  @Test
  void cancelRemovesAtOnceAndOnlyOnce() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    List<Rec> all = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      Rec r = new Rec((i + 1) * 1_000_003L, log);
      all.add(r);
      w.schedule(r, r.deadline);
      assertTrue(r.isScheduled());
    }
    for (Rec r : all) {
      assertTrue(w.cancel(r));
      assertFalse(r.isScheduled());
      assertFalse(w.cancel(r));
    }
    assertEquals(0, w.size());
    assertEquals(Long.MAX_VALUE, poll(w, Long.MAX_VALUE / 2, all));
    assertTrue(log.isEmpty());
  }

  @Test
  void expiryMayCancelAnotherDueNodeAndRescheduleItself() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    Rec a = new Rec(10 * TICK, log);
    Rec b = new Rec(10 * TICK, log);
    Rec periodic = new Rec(5 * TICK, log);
    a.onExpire = r -> assertTrue(w.cancel(b));
    List<Long> periodicFires = new ArrayList<>();
    TimerWheel.Node again = new TestNode() {
      long planned = 5 * TICK;

      @Override
      protected void expire(TimerWheel wheel) {
        periodicFires.add(planned);
        planned += 5 * TICK;
        w.schedule(this, planned);
      }
    };
    w.schedule(a, a.deadline);
    w.schedule(b, b.deadline);
    w.schedule(again, 5 * TICK);
    poll(w, 22 * TICK, List.of(a, b, periodic));
    assertEquals(List.of(a), log);
    assertEquals(List.of(5 * TICK, 10 * TICK, 15 * TICK, 20 * TICK), periodicFires);
    assertEquals(1, w.size());
  }

  @Test
  void aNodeRescheduledFromItsPlannedTimeFiresOncePerPeriodDespiteLatePolls() {
    long origin = 123_456_789L;
    TimerWheel w = new TimerWheel(origin, SHIFT);
    long period = 10_000_000L;
    long[] planned = {origin + period};
    int[] fired = {0};
    TimerWheel.Node n = new TestNode() {
      @Override
      protected void expire(TimerWheel wheel) {
        fired[0]++;
        planned[0] += period;
        w.schedule(this, planned[0]);
      }
    };
    w.schedule(n, planned[0]);
    Random rnd = new Random(7);
    for (int k = 1; k <= 1_000; k++) {
      long now = origin + k * period + 300_000 + rnd.nextInt(2_700_000);
      w.poll(now);
      assertEquals(k, fired[0], "period " + k + " at " + (now - origin));
    }
  }

  @Test
  void daysAheadNeedOnlyAFewPolls() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    long threeDays = TimeUnit.DAYS.toNanos(3) + 12_345;
    Rec r = new Rec(threeDays, log);
    w.schedule(r, threeDays);
    long now = 0;
    int polls = 0;
    while (r.firedAt < 0) {
      long wait = poll(w, now, List.of(r));
      polls++;
      assertTrue(wait > 0 || r.firedAt >= 0);
      if (r.firedAt < 0) {
        now += wait;
      }
    }
    assertTrue(r.firedAt >= threeDays, "fired early");
    assertTrue(r.firedAt - threeDays <= TICK, "fired more than a tick late");
    assertTrue(polls <= 10, "woke " + polls + " times for one timer");
  }

  @Test
  void pollSaysHowLongUntilTheNextDeadline() {
    TimerWheel w = new TimerWheel(0, SHIFT);
    assertEquals(Long.MAX_VALUE, w.poll(0));
    Rec r = new Rec(3 * TICK, log);
    w.schedule(r, r.deadline);
    assertEquals(3 * TICK - 10, w.poll(10));
  }

  /** The loop parks for what poll returns: that must never pass the next deadline's tick. */
  @Test
  void theWaitPollReturnsNeverOverrunsTheNextDeadline() {
    Random rnd = new Random(4);
    TimerWheel w = new TimerWheel(0, SHIFT);
    List<Rec> live = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      long range = TimeUnit.SECONDS.toNanos(rnd.nextInt(3) == 0 ? 100 : 1);
      Rec r = new Rec(1 + (long) (rnd.nextDouble() * range), log);
      live.add(r);
      w.schedule(r, r.deadline);
    }
    long now = 0;
    int polls = 0;
    while (!live.isEmpty()) {
      log.clear();
      long wait = poll(w, now, live);
      polls++;
      live.removeAll(log);
      if (live.isEmpty()) {
        assertEquals(Long.MAX_VALUE, wait);
        break;
      }
      long firstTickStart = Long.MAX_VALUE;
      for (Rec r : live) {
        firstTickStart = Math.min(firstTickStart, ((r.deadline + TICK - 1) / TICK) * TICK);
      }
      assertTrue(wait > 0, "asked for a busy poll with nothing due");
      assertTrue(now + wait <= firstTickStart,
          "would park until " + (now + wait) + " past a deadline due at " + firstTickStart);
      now += wait;
    }
    assertTrue(polls < 3_000 + 2 * 1_000, "woke " + polls + " times");
  }

  @Test
  void theFarthestDeadlineIsAcceptedAndNeverFiresEarly() {
    TimerWheel w = new TimerWheel(5, 0);
    Rec r = new Rec(Long.MAX_VALUE, log);
    w.schedule(r, Long.MAX_VALUE);
    poll(w, Long.MAX_VALUE - 1, List.of(r));
    assertTrue(log.isEmpty());
    poll(w, Long.MAX_VALUE, List.of(r));
    assertEquals(List.of(r), log);
    Rec twice = new Rec(0, log);
    w.schedule(twice, Long.MAX_VALUE);
    assertThrows(IllegalStateException.class, () -> w.schedule(twice, 0));
    assertThrows(IllegalArgumentException.class, () -> new TimerWheel(0, 31));
  }

  /**
   * Random schedules, cancels and polls at every scale (resolution 1 ns, so the tick is the
   * deadline; times stay within 2^62 ns of the origin, as a nanoTime clock does), checked against the plain rule: a node fires at the first poll at or after its
   * deadline, unless cancelled first.
   */
  @Test
  void agreesWithTheSimpleRuleUnderRandomOperations() {
    Random rnd = new Random(3);
    for (int round = 0; round < 20; round++) {
      long now = rnd.nextLong() >> 1;
      long origin = now;
      TimerWheel w = new TimerWheel(origin, 0);
      List<Rec> live = new ArrayList<>();
      List<Rec> all = new ArrayList<>();
      log.clear();
      for (int op = 0; op < 20_000; op++) {
        int k = rnd.nextInt(10);
        if (k < 5) {
          long delay = (rnd.nextLong() >>> 1) >>> (2 + rnd.nextInt(61)); // 0 .. 2^61 ns
          Rec r = new Rec(now + delay, log);
          w.schedule(r, r.deadline);
          live.add(r);
          all.add(r);
        } else if (k < 7 && !live.isEmpty()) {
          Rec r = live.remove(rnd.nextInt(live.size()));
          assertTrue(w.cancel(r));
        } else {
          now += (rnd.nextLong() >>> 1) >>> (18 + rnd.nextInt(45)); // 0 .. 2^44 ns
          log.clear();
          poll(w, now, all);
          for (Rec r : log) {
            assertTrue(r.deadline <= now, "fired early");
            assertTrue(live.remove(r), "fired though cancelled or already fired");
          }
          for (Rec r : live) {
            assertTrue(r.deadline > now, "overdue but not fired: " + r.deadline + " at " + now);
          }
        }
        if (op % 1_000 == 0) { // size() walks the lists
          assertEquals(live.size(), w.size());
        }
      }
      assertEquals(live.size(), w.size());
    }
  }
}
