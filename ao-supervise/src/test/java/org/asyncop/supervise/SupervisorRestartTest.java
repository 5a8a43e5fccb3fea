package org.asyncop.supervise;

import static org.asyncop.supervise.Services.awaitTrue;
import static org.asyncop.supervise.Services.counting;
import static org.asyncop.supervise.Services.failure;
import static org.asyncop.supervise.Services.join;
import static org.asyncop.supervise.Services.log;
import static org.asyncop.supervise.Services.settle;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.asyncop.core.AoContext;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Backoff and the intensity limit, with the context's time driven by hand. */
class SupervisorRestartTest {
  private static final ServiceKey<String, Integer> A = ServiceKey.of("test", "a");
  private static final ServiceKey<String, Integer> B = ServiceKey.of("test", "b");
  private static final ServiceKey<String, Integer> C = ServiceKey.of("test", "c");

  /** More than the timing wheel's resolution: a timer fires within it after its due time. */
  private static final Duration SLACK = Duration.ofMillis(2);

  private final FakeTicker time = new FakeTicker();
  private final AoContext ctx = time.context();
  private final List<String> log = log();

  @AfterEach
  void closeContext() {
    assertTrue(ctx.close(Duration.ofSeconds(10)));
  }

  private ChildInfo.State stateOfA(Supervisor sup) {
    return sup.lookup(A).orElseThrow().state();
  }

  @Test
  void restartsWaitForAnExponentialBackoff() {
    Supervisor sup = Supervisor.builder(ctx).intensity(10, Duration.ofMinutes(1))
        .defaultPolicy(RestartPolicy.onFailure()
            .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4)))
        .start();
    join(sup.start(A, counting("a", log)));

    join(sup.send(A, "fail"));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
    assertInstanceOf(ServiceNotRunningException.class, failure(sup.send(A, "x")));
    time.advance(Duration.ofMillis(999));
    settle(ctx);
    assertEquals(ChildInfo.State.RESTARTING, stateOfA(sup), "not before its backoff");
    time.advance(Duration.ofMillis(1).plus(SLACK));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RUNNING);
    assertEquals(1, sup.lookup(A).orElseThrow().restarts());

    join(sup.send(A, "fail")); // second in a row: twice the delay
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
    time.advance(Duration.ofSeconds(1));
    settle(ctx);
    assertEquals(ChildInfo.State.RESTARTING, stateOfA(sup));
    time.advance(Duration.ofSeconds(1).plus(SLACK));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RUNNING);
    assertEquals(2, sup.lookup(A).orElseThrow().restarts());

    time.advance(Duration.ofSeconds(4)); // ran for the longest delay: the streak starts over
    join(sup.send(A, "fail"));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
    time.advance(Duration.ofSeconds(1).plus(SLACK));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RUNNING);
    assertEquals(List.of("start a#1", "start a#2", "start a#3", "start a#4"), log);
  }

  @Test
  void stopDuringABackoffDropsTheServiceAtOnce() {
    Supervisor sup = Supervisor.builder(ctx)
        .defaultPolicy(RestartPolicy.always().withBackoff(Duration.ofHours(1), Duration.ofHours(1)))
        .start();
    join(sup.start(A, counting("a", log)));
    join(sup.send(A, "fail"));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
    Outcome<?> last = join(sup.stop(A));
    assertEquals(Rc.FAIL, last.rc(), "the outcome of its last incarnation");
    assertTrue(sup.lookup(A).isEmpty());
  }

  @Test
  void restartDuringABackoffStartsAtOnce() {
    Supervisor sup = Supervisor.builder(ctx)
        .defaultPolicy(RestartPolicy.always().withBackoff(Duration.ofHours(1), Duration.ofHours(1)))
        .start();
    join(sup.start(A, counting("a", log)));
    join(sup.send(A, "fail"));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
    join(sup.restart(A));
    assertEquals(ChildInfo.State.RUNNING, stateOfA(sup));
    assertEquals(1, join(sup.send(A, "x")));
  }

  @Test
  void pastTheIntensityLimitTheSupervisorStopsEveryServiceAndFailsWithTheCause() {
    Supervisor sup = Supervisor.builder(ctx).intensity(2, Duration.ofSeconds(5))
        .defaultPolicy(RestartPolicy.onFailure().withBackoff(Duration.ZERO, Duration.ZERO))
        .start();
    join(sup.start(A, counting("a", log)));
    join(sup.start(B, counting("b", log)));
    join(sup.start(C, counting("c", log)));
    failure(sup.send(A, "crash"));
    awaitTrue(() -> log.contains("start a#2"));
    failure(sup.send(A, "crash"));
    awaitTrue(() -> log.contains("start a#3"));
    Throwable third = failure(sup.send(A, "crash"));

    Outcome<Void> o = join(sup.terminated());
    assertEquals(Rc.FAIL, o.rc());
    RestartIntensityExceededException e =
        assertInstanceOf(RestartIntensityExceededException.class, o.failure());
    assertEquals(A, e.key());
    assertEquals(third, e.getCause());
    assertEquals(List.of("start a#1", "start b#1", "start c#1", "start a#2", "start a#3",
        "cancel c", "cancel b"), log);
    assertTrue(sup.children().isEmpty());
  }

  @Test
  void restartsOutsideThePeriodDoNotCount() {
    Supervisor sup = Supervisor.builder(ctx).intensity(1, Duration.ofSeconds(5))
        .defaultPolicy(RestartPolicy.onFailure().withBackoff(Duration.ZERO, Duration.ZERO))
        .start();
    join(sup.start(A, counting("a", log)));
    for (int i = 2; i <= 4; i++) {
      failure(sup.send(A, "crash"));
      String started = "start a#" + i;
      await().atMost(Services.BOUND).pollInterval(Duration.ofMillis(1))
          .until(() -> log.contains(started));
      time.advance(Duration.ofSeconds(5));
    }
    assertEquals(3, sup.lookup(A).orElseThrow().restarts());
  }

  @Test
  void aBackoffCappedAtForeverRestartsAndStopsLikeAnyOther() {
    // "no cap": a longest delay past what a long holds in nanoseconds
    Supervisor sup = Supervisor.builder(ctx)
        .defaultPolicy(RestartPolicy.onFailure()
            .withBackoff(Duration.ofSeconds(1), ChronoUnit.FOREVER.getDuration()))
        .start();
    join(sup.start(A, counting("a", log)));
    join(sup.send(A, "fail"));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
    time.advance(Duration.ofSeconds(1).plus(SLACK));
    awaitTrue(() -> stateOfA(sup) == ChildInfo.State.RUNNING);
    assertEquals(1, sup.lookup(A).orElseThrow().restarts());
    assertEquals(Rc.CANCEL, join(sup.stop()).rc());
  }

  @Test
  void aBackoffCappedAtForeverKeepsRestartingAfterManyRestartsInARow() {
    // each backoff is cut short by restart(), so the streak grows (and the delay doubles) without
    // waiting: past 2^63 seconds the doubling must stop at the cap instead of overflowing
    Supervisor sup = Supervisor.builder(ctx).intensity(1000, Duration.ofMinutes(1))
        .defaultPolicy(RestartPolicy.onFailure()
            .withBackoff(Duration.ofSeconds(1), ChronoUnit.FOREVER.getDuration()))
        .start();
    join(sup.start(A, counting("a", log)));
    for (int i = 1; i <= 70; i++) {
      join(sup.send(A, "fail"));
      await().atMost(Services.BOUND).pollInterval(Duration.ofMillis(1))
          .until(() -> stateOfA(sup) == ChildInfo.State.RESTARTING);
      join(sup.restart(A));
    }
    assertEquals(1, join(sup.send(A, "x")));
    assertEquals(Rc.CANCEL, join(sup.stop(A)).rc());
    assertEquals(Rc.CANCEL, join(sup.stop()).rc());
  }

  @Test
  void anIntensityOfIntegerMaxValueMeansNoPracticalLimit() {
    Supervisor sup = Supervisor.builder(ctx).intensity(Integer.MAX_VALUE, Duration.ofMinutes(1))
        .defaultPolicy(RestartPolicy.onFailure().withBackoff(Duration.ZERO, Duration.ZERO))
        .start();
    join(sup.start(A, counting("a", log)));
    for (int i = 2; i <= 20; i++) {
      failure(sup.send(A, "crash"));
      String started = "start a#" + i;
      await().atMost(Services.BOUND).pollInterval(Duration.ofMillis(1))
          .until(() -> log.contains(started));
    }
    assertEquals(19, sup.lookup(A).orElseThrow().restarts());
    assertEquals(Rc.CANCEL, join(sup.stop()).rc());
  }

  @Test
  void anIntensityPeriodOfForeverCountsEveryRestart() {
    Supervisor sup = Supervisor.builder(ctx).intensity(1, ChronoUnit.FOREVER.getDuration())
        .defaultPolicy(RestartPolicy.onFailure().withBackoff(Duration.ZERO, Duration.ZERO))
        .start();
    join(sup.start(A, counting("a", log)));
    failure(sup.send(A, "crash"));
    awaitTrue(() -> log.contains("start a#2"));
    time.advance(Duration.ofDays(100 * 365));
    failure(sup.send(A, "crash"));
    Outcome<Void> o = join(sup.terminated());
    assertEquals(Rc.FAIL, o.rc());
    assertInstanceOf(RestartIntensityExceededException.class, o.failure());
  }

  @Test
  void childrenKeepTheirStartOrderAndReportUptimeAndRestarts() {
    Supervisor sup = Supervisor.builder(ctx).start();
    join(sup.start(A, counting("a", log)));
    join(sup.start(B, counting("b", log)));
    join(sup.start(C, counting("c", log)));
    time.advance(Duration.ofSeconds(3));
    join(sup.restart(A));
    List<ChildInfo> children = sup.children();
    assertEquals(List.of(A, B, C), children.stream().map(ChildInfo::key).toList());
    assertEquals(Duration.ZERO, children.get(0).uptime(), "a new incarnation");
    assertEquals(1, children.get(0).restarts());
    assertEquals(Duration.ofSeconds(3), children.get(1).uptime());
    assertEquals(0, children.get(1).restarts());
  }
}
