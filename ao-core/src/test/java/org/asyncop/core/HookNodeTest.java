package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The public extension point: a resource that is its own hook node ({@link HookNode}). */
class HookNodeTest {
  private final AoContext ctx = AoContext.builder().name("nodes").build();

  @AfterEach
  void close() {
    ctx.close();
  }

  /** A resource that records its hook runs and releases, with the thread of each. */
  static final class Res extends HookNode {
    final String name;
    final List<String> log;
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    volatile boolean releasedOnLoop;

    Res(Ao<?> ao, String name, List<String> log) {
      super(ao);
      this.name = name;
      this.log = log;
    }

    @Override
    protected void cancel() {
      cancels.incrementAndGet();
      log.add(name);
    }

    @Override
    protected void released() {
      releases.incrementAndGet();
      releasedOnLoop = ao().loop().inLoop();
    }

    boolean open() {
      return isOpen();
    }

    boolean closeIfOpen() {
      return tryClose();
    }

    boolean reserve() {
      return reservePush();
    }

    void ended(boolean reserved) {
      reservationEnded(reserved);
    }
  }

  @Test
  void nodesRunWithPlainHooksLastPushedFirstOnceThenAreReleased() {
    Recorder<Void> rec = new Recorder<>();
    Ao<Void> ao = ctx.begin(rec.how());
    List<String> log = new CopyOnWriteArrayList<>();
    ao.onCancel(ao::cancelled);
    Res a = new Res(ao, "a", log);
    assertSame(a, ao.onCancel(a), "the node is its own registration");
    ao.onCancel(() -> log.add("plain"));
    Res b = new Res(ao, "b", log);
    // on the loop as well as from this thread
    TestThreads.onLoop(ctx.loops().get(0), () -> ao.onCancel(b));
    ao.onCancel(b); // pushing again while registered does nothing
    ao.cancel();
    rec.awaitOne();
    assertEquals(List.of("b", "plain", "a"), log);
    for (Res r : List.of(a, b)) {
      assertEquals(1, r.cancels.get());
      assertEquals(1, r.releases.get(), "released once, after the hook ran");
      assertTrue(r.releasedOnLoop);
      assertFalse(r.open());
      assertFalse(r.closeIfOpen(), "a fired node can no longer be closed");
    }
  }

  @Test
  void closedNodeNeverRunsIsReleasedOnceAndNoLongerHoldsTheOutcome() {
    Recorder<String> rec = new Recorder<>();
    Ao<String> ao = ctx.begin(rec.how());
    List<String> log = new CopyOnWriteArrayList<>();
    Res closedOff = new Res(ao, "off", log);
    ao.onCancel(closedOff);
    closedOff.close();
    closedOff.close();
    Res closedOn = new Res(ao, "on", log);
    TestThreads.onLoop(ctx.loops().get(0), () -> {
      ao.onCancel(closedOn);
      assertTrue(closedOn.closeIfOpen());
      assertFalse(closedOn.closeIfOpen());
      closedOn.close();
    });
    Res neverPushed = new Res(ao, "never", log);
    neverPushed.close();
    ao.onCancel(neverPushed); // after close: does nothing
    ao.complete("v");
    assertEquals("v", rec.awaitOne().value());
    assertEquals(List.of(), log);
    for (Res r : List.of(closedOff, closedOn, neverPushed)) {
      assertEquals(1, r.releases.get(), r.name);
      assertTrue(r.releasedOnLoop, r.name);
    }
  }

  @Test
  void nodePushedAfterTheCancelRunsPromptlyNotInsideThePush() {
    Recorder<Void> rec = new Recorder<>();
    Ao<Void> ao = ctx.begin(rec.how());
    ao.onCancel(ao::cancelled);
    List<String> log = new CopyOnWriteArrayList<>();
    Res late = new Res(ao, "late", log);
    TestThreads.onLoop(ctx.loops().get(0), () -> {
      ao.cancel();
      ao.onCancel(late);
      assertEquals(List.of(), log, "not inside the push");
    });
    rec.awaitOne();
    assertEquals(List.of("late"), log);
  }

  @Test
  void nodeThatClosesItselfInItsCancelIsReleasedInsideThatClose() {
    Recorder<Void> rec = new Recorder<>();
    Ao<Void> ao = ctx.begin(rec.how());
    ao.onCancel(ao::cancelled);
    List<String> log = new CopyOnWriteArrayList<>();
    HookNode self = new HookNode(ao) {
      @Override
      protected void cancel() {
        log.add("cancel");
        close(); // the resource finished at once
        log.add("closed");
      }

      @Override
      protected void released() {
        log.add("released");
      }
    };
    ao.onCancel(self);
    ao.cancel();
    rec.awaitOne();
    assertEquals(List.of("cancel", "released", "closed"), log);
  }

  @Test
  void aReservedPushHoldsBackTheOutcomeOfACompletionThatCameFirstUntilTheNodeRan() {
    Recorder<String> rec = new Recorder<>();
    Ao<String> ao = ctx.begin(rec.how());
    AoLoop loop = ctx.loops().get(0);
    List<String> log = new CopyOnWriteArrayList<>();
    Res r = new Res(ao, "r", log);
    boolean reserved = r.reserve(); // the node is on its way to the loop in a task of its own
    assertTrue(reserved);
    ao.complete("v"); // reaches the loop first
    TestThreads.onLoop(loop, () -> {}); // the outcome would be on its way by now
    TestThreads.onLoop(loop, () -> {});
    assertEquals(List.of(), rec.outcomes, "the outcome waits for the reserved node");
    TestThreads.onLoop(loop, () -> { // the resource's own task
      ao.onCancel(r);
      r.ended(reserved);
    });
    assertEquals("v", rec.awaitOne().value());
    assertEquals(List.of("r"), log, "the completion ran the node before the outcome went");
  }

  @Test
  void aReservationEndedWithoutAPushLetsTheOutcomeGo() {
    Recorder<String> rec = new Recorder<>();
    Ao<String> ao = ctx.begin(rec.how());
    Res r = new Res(ao, "r", new CopyOnWriteArrayList<>());
    boolean reserved = r.reserve();
    ao.complete("v");
    TestThreads.onLoop(ctx.loops().get(0), () -> r.ended(reserved)); // closed before it was taken
    assertEquals("v", rec.awaitOne().value());
    assertEquals(0, r.cancels.get());
  }

  @Test
  void aReservationAfterTheCompletionHoldsNothingBack() {
    Recorder<String> rec = new Recorder<>();
    Ao<String> ao = ctx.begin(rec.how());
    ao.complete("v");
    Res r = new Res(ao, "r", new CopyOnWriteArrayList<>());
    assertFalse(r.reserve(), "an outcome already fixed is not held back");
    assertEquals("v", rec.awaitOne().value()); // delivered without the reservation ending
    TestThreads.onLoop(ctx.loops().get(0), () -> r.ended(false));
  }

  @Test
  void badNodesAreRejectedAtTheCall() {
    Ao<Void> ao = ctx.begin(AoHow.callback(o -> {}));
    Ao<Void> other = ctx.begin(AoHow.callback(o -> {}));
    Res foreign = new Res(other, "x", List.of());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ao.onCancel(foreign));
    assertTrue(e.getMessage().contains("node"), e.getMessage());
    NullPointerException n =
        assertThrows(NullPointerException.class, () -> ao.onCancel((HookNode) null));
    assertEquals("node", n.getMessage());
    NullPointerException m =
        assertThrows(NullPointerException.class, () -> new Res(null, "x", List.of()));
    assertEquals("ao", m.getMessage());
    ao.complete(null);
    other.complete(null);
  }
}
