package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour 5 of the core: nested and shielded operations. */
class NestTest {
  private final AoContext ctx = AoContext.builder().name("nest").build();

  @AfterEach
  void close() {
    ctx.close();
  }

  @Test
  void cancellingTheParentCancelsItsChildAndWaitsForIt() {
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = ctx.begin(r.how());
    List<String> events = new CopyOnWriteArrayList<>();
    Ao<Void> child = parent.nest(o -> {
      events.add("child " + o.rc());
      parent.cancelled();
    });
    child.onCancel(() -> {
      events.add("child hook");
      child.cancelled();
    });
    parent.cancel();
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
    assertEquals(List.of("child hook", "child CANCEL"), events);
  }

  @Test
  void aNestedOperationIsNamedAfterItsParentAndPurpose() {
    Ao<String> parent = ctx.begin(AoHow.<String>callback(o -> {}).named("domain 7"));
    Ao<Void> child = parent.nest(o -> {});
    Ao<Void> cleanup = child.nestShielded("cleanup", o -> {});
    assertTrue(child.toString().startsWith("Ao[domain 7/nested, "), child.toString());
    assertTrue(cleanup.toString().startsWith("Ao[domain 7/nested/cleanup, "), cleanup.toString());
    cleanup.complete(null);
    child.complete(null);
    parent.complete("done");
  }

  @Test
  void parentOutcomeWaitsForItsRunningChild() {
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = ctx.begin(r.how());
    CompletableFuture<Outcome<Void>> heard = new CompletableFuture<>();
    Ao<Void> cleanup = parent.nestShielded("cleanup", heard::complete);
    parent.complete("early");
    assertFalse(cleanup.isCancelRequested(), "completion does not reach shielded cleanup");
    assertTrue(r.outcomes.isEmpty());
    cleanup.complete(null);
    assertEquals("early", r.awaitOne().value());
    assertEquals(Rc.OK, heard.join().rc());
  }

  @Test
  void shieldedChildSurvivesCancelButNotCancelNow() {
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = ctx.begin(r.how());
    List<String> progress = new CopyOnWriteArrayList<>();
    CompletableFuture<Ao<Void>> cleanupStarted = new CompletableFuture<>();
    parent.onCancel(() -> {
      parent.reportProgress(Progress.of(Progress.CANCELLING));
      Ao<Void> cleanup = parent.nestShielded("destroy domain", o -> {
        progress.add("cleanup " + o.rc());
        parent.cancelled();
      });
      cleanup.onCancel(() -> {
        progress.add("cleanup cancelled, forced=" + cleanup.isCancelNowRequested());
        cleanup.cancelled();
      });
      cleanupStarted.complete(cleanup);
    });
    parent.cancel();
    Ao<Void> cleanup = cleanupStarted.join();
    assertFalse(cleanup.isCancelRequested(), "a plain cancel of the parent does not reach it");
    assertTrue(parent.cancelNow());
    Outcome<String> o = r.awaitOne();
    assertEquals(Rc.CANCEL, o.rc());
    assertEquals(List.of("destroy domain"), o.abandoned());
    assertEquals(List.of("cleanup cancelled, forced=true", "cleanup CANCEL"), progress);
  }

  @Test
  void cancelAimedAtTheShieldedChildItselfReachesIt() {
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = ctx.begin(r.how());
    Ao<Void> cleanup = parent.nestShielded("cleanup", o -> parent.fail(new Exception("gave up")));
    cleanup.onCancel(cleanup::cancelled);
    assertTrue(cleanup.cancel()); // what a deadline on the cleanup does
    Outcome<String> o = r.awaitOne();
    assertEquals(Rc.FAIL, o.rc());
    assertTrue(o.abandoned().isEmpty(), "a bounded cleanup is not an abandoned one");
  }

  /**
   * A parent whose outcome was delivered can neither wait for a shielded child nor be forced any
   * more, and close lists only top-level operations: a shielded child nested then (a nest from
   * another thread racing the parent's end) would run on unseen, and close would stop the loops
   * under it, losing its outcome. Like any registration on a finished operation, it is cancelled
   * at once.
   */
  @Test
  void shieldedChildNestedOnADeliveredParentIsCancelledAndHeardBeforeCloseReturns() {
    AoContext own = AoContext.builder().name("nest-late").build();
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = own.begin(r.how());
    parent.complete("done");
    r.awaitOne();
    CompletableFuture<Outcome<Void>> heard = new CompletableFuture<>();
    Ao<Void> late = parent.nestShielded("late cleanup", heard::complete);
    late.onCancel(late::cancelled);
    own.close();
    assertTrue(heard.isDone(), "the late child's outcome was heard before close returned");
    assertEquals(Rc.CANCEL, heard.join().rc());
  }

  @Test
  void childRegisteredAfterParentCancelIsCancelledPromptly() {
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = ctx.begin(r.how());
    parent.cancel();
    CompletableFuture<Rc> childEnd = new CompletableFuture<>();
    Ao<Void> child = parent.nest(o -> {
      childEnd.complete(o.rc());
      parent.cancelled();
    });
    child.onCancel(child::cancelled);
    assertEquals(Rc.CANCEL, childEnd.join());
    assertEquals(Rc.CANCEL, r.awaitOne().rc());
  }

  @Test
  void cancelNowAfterCompletionStillReachesShieldedCleanupUntilTheOutcomeIsDelivered() {
    Recorder<String> r = new Recorder<>();
    Ao<String> parent = ctx.begin(r.how());
    Ao<Void> cleanup = parent.nestShielded("cleanup", o -> {});
    cleanup.onCancel(cleanup::cancelled);
    parent.complete("v"); // completed; the outcome waits for the shielded cleanup
    assertTrue(parent.isDone());
    assertFalse(parent.cancel(), "a plain cancel after completion is no request");
    assertTrue(parent.cancelNow(), "a forced one still reaches the cleanup");
    assertTrue(parent.isCancelNowRequested());
    assertTrue(parent.isCancelRequested(), "a forced cancel is a cancel");
    assertFalse(parent.cancelNow(), "requested already");
    Outcome<String> o = r.awaitOne();
    assertEquals("v", o.value());
    assertEquals(List.of("cleanup"), o.abandoned());
    assertFalse(parent.cancelNow(), "delivered");
  }
}
