package org.asyncop.supervise;

import static org.asyncop.supervise.Services.awaitTrue;
import static org.asyncop.supervise.Services.counting;
import static org.asyncop.supervise.Services.failure;
import static org.asyncop.supervise.Services.join;
import static org.asyncop.supervise.Services.log;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SupervisorTest {
  private static final ServiceKey<String, Integer> A = ServiceKey.of("test", "a");
  private static final ServiceKey<String, Integer> B = ServiceKey.of("test", "b");
  private static final ServiceKey<String, Integer> C = ServiceKey.of("test", "c");

  private final AoContext ctx = AoContext.builder().name("sup-test").build();
  private final List<String> log = log();

  @AfterEach
  void closeContext() {
    assertTrue(ctx.close(Duration.ofSeconds(10)), "the context closes: nothing of the supervisor is left");
  }

  @Test
  void sendDeliversMessagesInOrderAndReturnsReplies() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, counting("a", log)));
    List<CompletionStage<Integer>> replies = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      replies.add(sup.send(A, "m" + i));
    }
    for (int i = 0; i < 1000; i++) {
      assertEquals(i + 1, join(replies.get(i)));
    }
    ChildInfo info = sup.lookup(A).orElseThrow();
    assertEquals(ChildInfo.State.RUNNING, info.state());
    assertEquals(0, info.restarts());
    assertEquals(List.of(A), sup.children().stream().map(ChildInfo::key).toList());
  }

  @Test
  void stopCancelsTheServiceAndNeverRestartsIt() {
    Supervisor sup = Supervisor.builder(ctx).defaultPolicy(RestartPolicy.always()).start();
    join(sup.start(A, counting("a", log)));
    Outcome<?> o = join(sup.stop(A));
    assertEquals(Rc.CANCEL, o.rc());
    assertTrue(sup.lookup(A).isEmpty());
    assertEquals(List.of("start a#1", "cancel a"), log);
    assertInstanceOf(ServiceNotRunningException.class, failure(sup.send(A, "x")));
    assertInstanceOf(ServiceNotRunningException.class, failure(sup.stop(A)));
  }

  @Test
  void crashFailsTheReplyAndOnFailureRestartsTheService() {
    Supervisor sup = Supervisor.builder(ctx)
        .defaultPolicy(RestartPolicy.onFailure().withBackoff(Duration.ZERO, Duration.ZERO)).start();
    join(sup.start(A, counting("a", log)));
    assertEquals(1, join(sup.send(A, "x")));
    Throwable crash = failure(sup.send(A, "crash"));
    assertEquals("crash of a", crash.getMessage());
    awaitTrue(() -> log.contains("start a#2"));
    ChildInfo info = sup.lookup(A).orElseThrow();
    assertEquals(1, info.restarts());
    assertSame(crash, info.lastFailure());
    assertEquals(1, join(sup.send(A, "x")), "a new incarnation starts counting again");
  }

  @Test
  void onFailureDropsAServiceThatEndsOk() {
    Supervisor sup = Supervisor.builder(ctx).defaultPolicy(RestartPolicy.onFailure()).start();
    join(sup.start(A, counting("a", log)));
    assertEquals(0, join(sup.send(A, "done")));
    awaitTrue(() -> sup.lookup(A).isEmpty());
    assertEquals(List.of("start a#1"), log);
  }

  @Test
  void aServiceThatEndedOnItsOwnIsStoppingWhileItsOutcomeIsOnItsWay() {
    Supervisor sup = Supervisor.builder(ctx).defaultPolicy(RestartPolicy.onFailure()).start();
    CompletableFuture<Void> windDown = new CompletableFuture<>();
    join(sup.start(A, ao -> (msg, reply) -> {
      // a step that takes a while to end once cancelled: the service's outcome waits for it
      Ao<Void> step = ao.nest(o -> { });
      step.onCancel(() -> windDown.thenRun(() -> step.execute(step::cancelled)));
      reply.ok(0);
      ao.complete(null); // done: ends on its own
    }));
    try {
      join(sup.send(A, "done"));
      awaitTrue(() -> sup.lookup(A).orElseThrow().state() == ChildInfo.State.STOPPING);
      assertEquals(ChildInfo.State.STOPPING, sup.children().get(0).state());
      assertInstanceOf(ServiceNotRunningException.class, failure(sup.send(A, "x")));
    } finally {
      windDown.complete(null);
    }
    awaitTrue(() -> sup.lookup(A).isEmpty()); // an OK end under onFailure drops it
  }

  @Test
  void aServiceWhoseIncarnationEndedIsNotSeenRunning() throws Exception {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, RestartPolicy.never(), ao -> (msg, reply) -> {
      if (msg.equals("fail")) { // any other message is left unanswered
        ao.fail(new IllegalStateException("failure of a"));
      }
    }));
    // the end fails the unanswered message on the loop while it handles the end: a lookup made
    // by the sender's action then sees the service between its end and its drop
    CompletableFuture<java.util.Optional<ChildInfo>> seen = new CompletableFuture<>();
    sup.send(A, "unanswered").whenComplete((r, e) -> seen.complete(sup.lookup(A)));
    sup.send(A, "fail");
    java.util.Optional<ChildInfo> info = seen.get(10, TimeUnit.SECONDS);
    assertTrue(info.isEmpty() || info.get().state() != ChildInfo.State.RUNNING,
        "an ended service looked up as " + info);
    awaitTrue(() -> sup.lookup(A).isEmpty());
  }

  @Test
  void alwaysRestartsAServiceThatEndsOk() {
    Supervisor sup = Supervisor.builder(ctx)
        .defaultPolicy(RestartPolicy.always().withBackoff(Duration.ZERO, Duration.ZERO)).start();
    join(sup.start(A, counting("a", log)));
    join(sup.send(A, "done"));
    awaitTrue(() -> log.contains("start a#2"));
  }

  @Test
  void neverDropsAFailedService() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, RestartPolicy.never(), counting("a", log)));
    join(sup.send(A, "fail"));
    awaitTrue(() -> sup.lookup(A).isEmpty());
    assertEquals(List.of("start a#1"), log);
    assertEquals(Rc.CANCEL, join(sup.stop()).rc(), "a dropped service does not fail the supervisor");
  }

  @Test
  void restartCancelsTheIncarnationAndStartsANewOne() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, counting("a", log)));
    join(sup.send(A, "x"));
    join(sup.restart(A));
    assertEquals(List.of("start a#1", "cancel a", "start a#2"), log);
    assertEquals(1, sup.lookup(A).orElseThrow().restarts());
    assertEquals(1, join(sup.send(A, "x")));
    assertInstanceOf(ServiceNotRunningException.class, failure(sup.restart(B)));
  }

  @Test
  void aMessageLeftUnansweredFailsWhenTheServiceStops() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, ao -> {
      ao.onCancel(ao::cancelled);
      return (msg, reply) -> { }; // keeps the reply and never answers
    }));
    CompletionStage<Integer> pending = sup.send(A, "x");
    assertEquals(Rc.CANCEL, join(sup.stop(A)).rc());
    ServiceNotRunningException e =
        assertInstanceOf(ServiceNotRunningException.class, failure(pending));
    assertEquals(A, e.key());
  }

  @Test
  void aServiceThatAnswersWhenItsOwnRequestFailsStillStops() {
    // "outer" answers once the "inner" it sends to itself has its answer; "inner" is never
    // answered, so when the service stops, failing an inner reply answers an outer one, on the
    // loop, while the supervisor is failing the service's unanswered messages
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, ao -> {
      ao.onCancel(ao::cancelled);
      return (msg, reply) -> {
        switch (msg) {
          case "outer" -> sup.send(A, "inner").whenComplete((v, e) -> reply.ok(-1));
          case "sync" -> reply.ok(0);
          default -> { } // inner: kept, never answered
        }
      };
    }));
    List<CompletionStage<Integer>> outers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      outers.add(sup.send(A, "outer"));
    }
    join(sup.send(A, "sync")); // every outer has sent its inner; none is answered
    assertEquals(Rc.CANCEL, join(sup.stop(A)).rc());
    for (CompletionStage<Integer> o : outers) {
      // answered through its inner's failure, or failed itself: either way it ends
      o.toCompletableFuture().handle((v, e) -> null).join();
    }
    assertTrue(sup.lookup(A).isEmpty());
  }

  @Test
  void aServiceMayAnswerLaterFromAnotherThread() {
    Supervisor sup = Supervisor.builder(ctx).start();
    Executor later = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS);
    join(sup.start(A, ao -> {
      ao.onCancel(ao::cancelled);
      return (msg, reply) -> later.execute(() -> reply.ok(msg.length()));
    }));
    assertEquals(3, join(sup.send(A, "abc")));
  }

  @Test
  void aFactoryThatThrowsFailsTheStartAndKeepsNothing() {
    Supervisor sup = Supervisor.builder(ctx).defaultPolicy(RestartPolicy.always()).start();
    IllegalStateException boom = new IllegalStateException("boom");
    ServiceFactory<String, Integer> broken = ao -> {
      throw boom;
    };
    assertSame(boom, failure(sup.start(A, broken)));
    awaitTrue(() -> sup.lookup(A).isEmpty());
    join(sup.start(A, counting("a", log)));
    IllegalStateException dup =
        assertInstanceOf(IllegalStateException.class, failure(sup.start(A, counting("a2", log))));
    assertTrue(dup.getMessage().contains("test/a"), dup.getMessage());
  }

  @Test
  void aFailedStartKeepsNothingWhileItsFirstStepsStillWindDown() {
    Supervisor sup = Supervisor.builder(ctx).defaultPolicy(RestartPolicy.always()).start();
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<Void> windDown = new CompletableFuture<>();
    ServiceFactory<String, Integer> broken = ao -> {
      // a step begun before the factory broke, which takes a while to end once cancelled (a
      // child process being killed and reaped, say): the incarnation's outcome waits for it
      Ao<Void> step = ao.nest(o -> { });
      step.onCancel(() -> windDown.thenRun(() -> step.execute(step::cancelled)));
      throw boom;
    };
    try {
      assertSame(boom, failure(sup.start(A, broken)));
      assertTrue(sup.lookup(A).isEmpty(), "a start that failed keeps nothing: " + sup.children());
      join(sup.start(A, counting("a", log)));
      assertEquals(1, join(sup.send(A, "x")));
      assertSame(boom, failure(sup.start(B, broken)));
      CompletionStage<Outcome<Void>> stopped = sup.stop();
      assertFalse(stopped.toCompletableFuture().isDone(), "the supervisor waits for the step");
      windDown.complete(null);
      assertEquals(Rc.CANCEL, join(stopped).rc());
      assertEquals(List.of("start a#1", "cancel a"), log);
    } finally {
      windDown.complete(null);
    }
  }

  @Test
  void stoppingTheSupervisorStopsServicesNewestFirstWaitingForEach() {
    Supervisor sup = Supervisor.builder(ctx).start();
    Executor later = CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS);
    for (ServiceKey<String, Integer> k : List.of(A, B, C)) {
      join(sup.start(k, ao -> {
        ao.onCancel(() -> {
          log.add("cancel " + k.name());
          // winds down on another thread a little later: the next stop must wait for it
          later.execute(() -> {
            log.add("ended " + k.name());
            ao.cancelled();
          });
        });
        return (msg, reply) -> reply.ok(0);
      }));
    }
    Outcome<Void> o = join(sup.stop());
    assertEquals(Rc.CANCEL, o.rc());
    assertEquals(
        List.of("cancel c", "ended c", "cancel b", "ended b", "cancel a", "ended a"), log);
    assertTrue(sup.children().isEmpty());
    assertInstanceOf(IllegalStateException.class, failure(sup.start(A, counting("a", log))));
  }

  @Test
  void closingTheContextStopsTheSupervisorAndItsServices() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, counting("a", log)));
    join(sup.start(B, counting("b", log)));
    ctx.close();
    assertEquals(Rc.CANCEL, join(sup.terminated()).rc());
    assertEquals(List.of("start a#1", "start b#1", "cancel b", "cancel a"), log);
  }

  @Test
  void aForcedCancelReachesEveryServiceAtOnce() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, counting("a", log)));
    join(sup.start(B, ao -> {
      // its cleanup is shielded from a plain cancel: only a forced one cuts it short
      ao.onCancel(() -> {
        log.add("cancel b");
        Ao<Void> cleanup = ao.nestShielded("slow cleanup of b", done -> ao.cancelled());
        cleanup.onCancel(() -> {
          log.add("cleanup of b abandoned");
          cleanup.cancelled();
        });
      });
      return (msg, reply) -> reply.ok(0);
    }));
    try (var h = sup.handle()) {
      h.cancel();
      awaitTrue(() -> sup.lookup(B).map(i -> i.state() == ChildInfo.State.STOPPING).orElse(false));
      assertEquals(ChildInfo.State.RUNNING, sup.lookup(A).orElseThrow().state(),
          "a waits for b: newest first");
      h.cancelNow();
    }
    Outcome<Void> o = join(sup.terminated());
    assertEquals(Rc.CANCEL, o.rc());
    assertTrue(log.contains("cancel a"), log.toString());
    assertTrue(log.contains("cleanup of b abandoned"), log.toString());
  }
}
