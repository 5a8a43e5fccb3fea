package org.asyncop.watch;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.AoLoop;
import org.asyncop.core.LoopDriver;
import org.asyncop.core.Registration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interest or a store watch started from another thread before its operation completes is
 * ended (its CANCEL heard, its resource dropped) before the operation's outcome, even when the
 * completion reaches the loop ahead of the posted start: here a loop driver completes the
 * operation, as a selector's readiness callback of another channel would.
 */
class OffLoopStartTest {
  private AoContext ctx;
  private AoLoop loop;
  private Channels channels;
  private ServerSocketChannel server;
  private MemoryStore store;
  @TempDir Path folder;
  /** What the driver completes on its next poll. */
  private final Queue<Ao<?>> handed = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void open() throws Exception {
    ctx = AoContext.builder().name("offloop").loops(1).build();
    loop = ctx.loops().get(0);
    channels = Channels.of(ctx);
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    server.configureBlocking(false);
    store = new MemoryStore();
    onLoop(() -> loop.addDriver(now -> {
      Ao<?> a;
      while ((a = handed.poll()) != null) {
        a.complete(null);
      }
      return LoopDriver.IDLE;
    }));
  }

  @AfterEach
  void close() throws Exception {
    server.close();
    store.close();
    if (!ctx.close(Duration.ofSeconds(5))) {
      throw new AssertionError("operations left running: " + ctx.liveOperations());
    }
  }

  private void onLoop(Runnable r) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    loop.execute(() -> {
      r.run();
      f.complete(null);
    });
    f.orTimeout(10, TimeUnit.SECONDS).join();
  }

  /** Run by {@link #begin}'s outcome callback, before it records the outcome. */
  private volatile Runnable atOutcome = () -> {};

  /** An operation whose outcome is recorded into {@code heard}, after what else was heard. */
  private Ao<Void> begin(List<String> heard) {
    return ctx.begin(AoHow.<Void>callback(o -> {
      atOutcome.run();
      heard.add("outcome " + o.rc());
    }));
  }

  /**
   * Holds the loop busy, with more than a batch of tasks behind the hold, so that once released
   * it polls the driver before it reaches a task posted after this call. Count down the latch to
   * release it.
   */
  private CountDownLatch holdTheLoop() {
    CountDownLatch busy = new CountDownLatch(1);
    loop.execute(() -> {
      try {
        busy.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    for (int i = 0; i < 300; i++) {
      loop.execute(() -> {});
    }
    return busy;
  }

  /** Starts a resource of {@code ao} from this thread; {@code end} hears how it ended. */
  private interface Start {
    Registration start(Ao<Void> ao, Consumer<String> end);
  }

  private Registration interest(Ao<Void> ao, Consumer<String> end) {
    return channels.whenAcceptable(ao, server, rc -> end.accept("interest " + rc));
  }

  private Registration watch(Ao<Void> ao, Consumer<String> end) {
    return Watches.watch(ao, store, "/w", e -> end.accept("watch " + e.rc()));
  }

  private Registration awaitNever(Ao<Void> ao, Consumer<String> end) {
    return Watches.await(
        ao, store, "/w", Optional::isPresent, ofSeconds(30), o -> end.accept("await " + o.rc()));
  }

  /** Starts the resource off the loop, has the driver complete the ao; returns what was heard. */
  private List<String> startThenCompleteByTheDriver(Start start) {
    List<String> heard = new CopyOnWriteArrayList<>();
    Ao<Void> ao = begin(heard);
    CountDownLatch busy = holdTheLoop();
    start.start(ao, heard::add);
    handed.add(ao); // after the start returned: the caller's part is done
    busy.countDown();
    await().atMost(ofSeconds(10)).until(() -> heard.size() >= 2);
    onLoop(() -> {}); // a second end would have been heard by now
    return heard;
  }

  @Test
  void anInterestStartedOffTheLoop_isCancelledBeforeTheOutcome_whenADriverCompletesTheOperation() {
    List<String> heard = startThenCompleteByTheDriver(this::interest);
    assertEquals(List.of("interest CANCEL", "outcome OK"), heard);
    assertEquals(0, channels.interestCount());
    assertEquals(0, channels.keyCount());
  }

  @Test
  void aWatchStartedOffTheLoop_isCancelledBeforeTheOutcome_whenADriverCompletesTheOperation() {
    List<String> heard = startThenCompleteByTheDriver(this::watch);
    assertEquals(List.of("watch CANCEL", "outcome OK"), heard);
    assertEquals(0, store.watchCount());
  }

  @Test
  void aWatchOnAStoreThatMayBlock_startedOffTheLoop_isCancelledAndRemovedBeforeTheOutcome() {
    try (DirectoryStore dir = DirectoryStore.open(folder.resolve("store"))) {
      AtomicInteger watchesAtOutcome = new AtomicInteger(-1);
      atOutcome = () -> watchesAtOutcome.set(dir.watchCount());
      List<String> heard = startThenCompleteByTheDriver(
          (ao, end) -> Watches.watch(ao, dir, "/w", e -> end.accept("watch " + e.rc())));
      assertEquals(List.of("watch CANCEL", "outcome OK"), heard);
      assertEquals(0, watchesAtOutcome.get(), "store watches left when the outcome came");
    }
  }

  @Test
  void anAwaitStartedOffTheLoop_isCancelledBeforeTheOutcome_whenADriverCompletesTheOperation() {
    List<String> heard = startThenCompleteByTheDriver(this::awaitNever);
    assertEquals(List.of("await CANCEL", "outcome OK"), heard);
    assertEquals(0, store.watchCount());
  }

  /** Starts the resource off the loop and closes it before its start reaches the loop. */
  private List<String> startThenCloseBeforeTheStartRuns(Start start) {
    List<String> heard = new CopyOnWriteArrayList<>();
    Ao<Void> ao = begin(heard);
    CountDownLatch busy = holdTheLoop();
    start.start(ao, heard::add).close();
    busy.countDown();
    await().atMost(ofSeconds(10)).until(() -> !heard.isEmpty());
    onLoop(() -> {}); // the start has run by now
    ao.complete(null); // nothing holds the outcome back any more
    await().atMost(ofSeconds(10)).until(() -> heard.size() >= 2);
    onLoop(() -> {});
    return heard;
  }

  @Test
  void anInterestClosedBeforeItsStartReachedTheLoop_isCancelOnce_andRegistersNothing() {
    List<String> heard = startThenCloseBeforeTheStartRuns(this::interest);
    assertEquals(List.of("interest CANCEL", "outcome OK"), heard);
    assertEquals(0, channels.interestCount());
    assertEquals(0, channels.keyCount());
  }

  @Test
  void aWatchClosedBeforeItsStartReachedTheLoop_isCancelOnce_andMakesNoStoreWatch() {
    List<String> heard = startThenCloseBeforeTheStartRuns(this::watch);
    assertEquals(List.of("watch CANCEL", "outcome OK"), heard);
    assertEquals(0, store.watchCount());
  }

  /**
   * Threads start resources off the loop and, at once, end them in the ways that race the posted
   * start: the driver completes the ao, the registration is closed first, the ao is completed
   * from the thread itself, or cancelled (its resource's end then completes it). Each resource
   * ends exactly once, with CANCEL, before the outcome, and nothing is left registered.
   */
  private void stress(Start one, Start other) throws Exception {
    int threads = 3;
    int rounds = 1500;
    List<List<List<String>>> heardBy = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      heardBy.add(new ArrayList<>());
    }
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    AtomicInteger outcomes = new AtomicInteger();
    Racers.run(threads, errors, t -> {
      for (int r = 0; r < rounds; r++) {
        List<String> heard = new CopyOnWriteArrayList<>();
        heardBy.get(t).add(heard);
        Ao<Void> ao = ctx.begin(AoHow.<Void>callback(o -> {
          heard.add("outcome " + o.rc());
          outcomes.incrementAndGet();
        }));
        boolean cancel = r % 4 == 3;
        Consumer<String> end = e -> {
          heard.add(e);
          if (cancel) {
            ao.cancelled();
          }
        };
        Registration reg = (r / 4) % 2 == 0 ? one.start(ao, end) : other.start(ao, end);
        switch (r % 4) {
          case 0 -> handed.add(ao);
          case 1 -> {
            reg.close();
            handed.add(ao);
          }
          case 2 -> ao.complete(null);
          default -> ao.cancel(); // then its resource's end completes it
        }
        loop.wakeup();
      }
    });
    assertEquals(List.of(), errors);
    await().atMost(ofSeconds(60)).until(() -> outcomes.get() == threads * rounds);
    onLoop(() -> {});
    for (int t = 0; t < threads; t++) {
      for (int r = 0; r < rounds; r++) {
        List<String> heard = heardBy.get(t).get(r);
        String rc = r % 4 == 3 ? "CANCEL" : "OK";
        assertEquals(2, heard.size(), "thread " + t + " round " + r + ": " + heard);
        assertEquals("outcome " + rc, heard.get(1), "thread " + t + " round " + r + ": " + heard);
        assertTrue(heard.get(0).endsWith(" CANCEL"), "thread " + t + " round " + r + ": " + heard);
      }
    }
  }

  @Test
  void interestsStartedOffTheLoop_racingTheirEnd_endOnceBeforeTheOutcome_andLeaveNoKey()
      throws Exception {
    stress(this::interest, this::interest);
    assertEquals(0, channels.interestCount());
    assertEquals(0, channels.keyCount());
  }

  @Test
  void watchesAndAwaitsStartedOffTheLoop_racingTheirEnd_endOnceBeforeTheOutcome_andLeaveNoWatch()
      throws Exception {
    stress(this::watch, this::awaitNever);
    assertEquals(0, store.watchCount());
  }
}
