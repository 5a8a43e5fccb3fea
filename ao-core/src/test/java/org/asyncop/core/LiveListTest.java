package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The loop's list of live operations (what liveOperations() reports and close() cancels) over
 * many begins on the loop: its head is held in a holder replaced every 64 begins, so these begin
 * hundreds, end them in an order unlike the begins (the newest included), and check that the list
 * holds exactly the operations still live.
 */
class LiveListTest {

  @Test
  void liveOperationsAndCloseSeeExactlyTheOperationsStillLiveAfterManyBeginsAndEnds() {
    AoContext ctx = AoContext.builder().name("live-list").build();
    List<CompletableFuture<Outcome<Void>>> outcomes = new ArrayList<>();
    List<Live> live = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.loops().get(0).execute(() -> round(ctx, new Random(7), 10, outcomes, live, done));
    done.join();
    Set<String> expectLive = live.stream().map(Live::name).collect(Collectors.toSet());
    // the ended ones are gone once their outcomes are delivered
    int ended = outcomes.size() - expectLive.size();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> outcomes.stream().filter(CompletableFuture::isDone).count() == ended);
    List<AoInfo> listed = ctx.liveOperations();
    assertEquals(expectLive, listed.stream().map(AoInfo::name).collect(Collectors.toSet()));
    assertEquals(expectLive.size(), listed.size(), "each listed once");

    assertTrue(ctx.close(Duration.ofSeconds(10)), "close cancelled every live operation");
    long cancelled = outcomes.stream().filter(f -> f.join().rc() == Rc.CANCEL).count();
    assertEquals(expectLive.size(), cancelled);
  }

  /** A live operation, its hook's registration and its name. */
  private record Live(Ao<Void> ao, Registration hook, String name) {}

  /**
   * Loop: begins 100 operations, ending a third of them at random (the newest, the list's head,
   * half the time), then a run of the newest; then posts the next round. An operation ends with
   * nothing registered, so its delivery is posted at once, and the next round runs after this
   * round's deliveries: ends reach the list between begins, at every count of begins since its
   * head's holder was replaced.
   */
  private static void round(AoContext ctx, Random rnd, int left,
      List<CompletableFuture<Outcome<Void>>> outcomes, List<Live> live,
      CompletableFuture<Void> done) {
    for (int i = 0; i < 100; i++) {
      CompletableFuture<Outcome<Void>> f = new CompletableFuture<>();
      String name = "op" + outcomes.size();
      outcomes.add(f);
      Ao<Void> ao = ctx.begin(AoHow.<Void>callback(f::complete).named(name));
      live.add(new Live(ao, ao.onCancel(ao::cancelled), name));
      if (rnd.nextInt(3) == 0) {
        end(live, rnd.nextBoolean() ? live.size() - 1 : rnd.nextInt(live.size()));
      }
    }
    for (int k = 0; k < 10; k++) {
      end(live, live.size() - 1);
    }
    if (left > 1) {
      ctx.loops().get(0).execute(() -> round(ctx, rnd, left - 1, outcomes, live, done));
    } else {
      done.complete(null);
    }
  }

  private static void end(List<Live> live, int k) {
    Live l = live.remove(k);
    l.hook().close();
    l.ao().complete(null);
  }
}
