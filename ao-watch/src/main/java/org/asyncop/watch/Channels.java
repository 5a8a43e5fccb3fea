package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoLoop;
import org.asyncop.core.ContextService;
import org.asyncop.core.PostGate;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;

/**
 * Readiness watches on NIO channels, bound to an operation: the socket side of libxl's fd
 * machinery.
 *
 * <p>Each call is a one-shot interest: the callback is called exactly once, on the ao's loop, with
 * {@link Rc#OK} when the channel is ready for the operation, {@link Rc#CANCEL} when the ao is
 * cancelled or completes first (or the registration is closed), or {@link Rc#FAIL} when the
 * channel was closed meanwhile (noticed within about a second: closing a channel does not wake the
 * selector). To wait again, call again (re-arm). Readiness is a hint: an {@code
 * accept()} or {@code read()} may still find nothing (the client left in between); the caller
 * then re-arms, and since the interest is one-shot and the selector level-triggered, that neither
 * spins nor hangs.
 *
 * <p>Threads: no thread of its own. Each loop that has had an interest owns a {@link Selector}
 * (opened on first use, closed by the context's close) and waits in it when idle ({@link
 * org.asyncop.core.AoLoop#setWaiter}), as Netty's event loop does, so readiness is handled and the
 * callback called on the loop itself, without a hand-off. The loop owns every {@link SelectionKey}
 * of its selector; a cancel deregisters the interest there (and the key, when no interest is
 * left), and the ao's outcome waits for that ({@link Ao#attach}, made by the initiating call, so
 * it waits even for an interest whose start is still on its way to the loop). A loop that already
 * waits through another module's waiter cannot watch channels: its interests end with FAIL. Every
 * method is safe from any thread. Channels must be in non-blocking mode.
 */
public final class Channels implements ContextService {
  /*
   * `selectors` maps a loop's index to its LoopSelector. An entry is put only by its own loop's
   * thread (in Interest.start), so creation needs no lock; the map is concurrent for the counts
   * and for terminated(), which run on other threads. terminated() comes after every operation of
   * the context ended, so no interest starts once it began, except from another thread for an
   * operation that has ended: `gate` refuses those, or has terminated() wait until they are posted.
   * Such a call holds the ao (Interest.hold) inside the gate, before it posts the start: a refused
   * call holds nothing, and an accepted one holds while the loop still runs to end the hold.
   * terminated() closes each loop's selector in a task on that loop, looking it up there, after
   * the gate is stopped: a start that opens a selector runs on that loop too, so it runs either
   * before the close task (which then finds the selector) or after it (and finds the gate
   * stopped). Looked up on the calling thread instead, a selector a start was opening on another
   * loop just then was missed and left open.
   */
  private final AoContext ctx;
  private final ConcurrentHashMap<Integer, LoopSelector> selectors = new ConcurrentHashMap<>();
  private final PostGate gate = new PostGate();

  private Channels(AoContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The channel watches of {@code ctx}, attached on first use and released by its close.
   *
   * @throws NullPointerException if {@code ctx} is null
   * @throws IllegalStateException if the context has stopped
   */
  public static Channels of(AoContext ctx) {
    requireNonNull(ctx, "ctx");
    return ctx.service(Channels.class, Channels::new).checkNotStopped();
  }

  /** @throws IllegalStateException once the context's close reached terminated() */
  private Channels checkNotStopped() {
    if (gate.isStopped()) { // its loops are stopping: a start posted there would be dropped
      throw refusal();
    }
    return this;
  }

  private IllegalStateException refusal() {
    return new IllegalStateException("context " + ctx.name() + " has stopped; no new interests");
  }

  /**
   * Calls {@code callback} once when {@code ch} has a connection to accept (see the class
   * comment).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ch} is in blocking mode or cannot accept, or {@code ao}
   *     belongs to another context
   * @throws IllegalStateException if the context has stopped
   */
  public Registration whenAcceptable(Ao<?> ao, SelectableChannel ch, Consumer<Rc> callback) {
    return when(ao, ch, SelectionKey.OP_ACCEPT, callback);
  }

  /**
   * Calls {@code callback} once when {@code ch} has data to read, or has reached end of stream.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ch} is in blocking mode or cannot read, or {@code ao}
   *     belongs to another context
   * @throws IllegalStateException if the context has stopped
   */
  public Registration whenReadable(Ao<?> ao, SelectableChannel ch, Consumer<Rc> callback) {
    return when(ao, ch, SelectionKey.OP_READ, callback);
  }

  /**
   * Calls {@code callback} once when {@code ch} can take more data.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ch} is in blocking mode or cannot write, or {@code ao}
   *     belongs to another context
   * @throws IllegalStateException if the context has stopped
   */
  public Registration whenWritable(Ao<?> ao, SelectableChannel ch, Consumer<Rc> callback) {
    return when(ao, ch, SelectionKey.OP_WRITE, callback);
  }

  private Registration when(Ao<?> ao, SelectableChannel ch, int op, Consumer<Rc> callback) {
    requireNonNull(ao, "ao");
    requireNonNull(ch, "ch");
    requireNonNull(callback, "callback");
    if (ao.context() != ctx) { // its interest would be on another context's loop and selector
      throw new IllegalArgumentException(
          "ao belongs to context " + ao.context().name() + ", not to " + ctx.name());
    }
    if ((ch.validOps() & op) == 0) {
      throw new IllegalArgumentException("ch does not support " + Interest.opName(op) + ": " + ch);
    }
    if (ch.isBlocking()) {
      throw new IllegalArgumentException("ch must be in non-blocking mode: " + ch);
    }
    checkNotStopped();
    Interest i = new Interest(ao, ch, op, callback, this);
    if (ao.loop().inLoop()) {
      i.start(i.hold()); // the loop runs until terminated() has completed
    } else {
      // Refused (nothing held), or held now, from this thread, so the outcome waits for the
      // interest even if the ao completes on its loop before the start below runs there; the
      // start reaches the loop before it stops.
      gate.post(
          () -> {
            Registration hold = i.hold();
            ao.execute(() -> i.start(hold));
          },
          this::refusal);
    }
    return i;
  }

  /** Loop thread of {@code loop}: its selector, opened and made its waiter on first use. */
  LoopSelector selectorOf(AoLoop loop) {
    LoopSelector s = selectors.get(loop.index());
    if (s != null && !s.isClosed()) {
      return s;
    }
    if (gate.isStopped()) {
      throw new IllegalStateException("the context's channels are closed");
    }
    s = LoopSelector.open(loop); // a broken one stays behind as an idle driver
    selectors.put(loop.index(), s);
    return s;
  }

  /**
   * How many interests are registered (for leak checks). Asks each loop, waiting up to 5 s for
   * it: call it off the loops.
   */
  public int interestCount() {
    return sum(LoopSelector::interestCount);
  }

  /**
   * How many selection keys the loops' selectors hold (for leak checks). Asks each loop, waiting
   * up to 5 s for it: call it off the loops.
   */
  public int keyCount() {
    return sum(LoopSelector::keyCount);
  }

  private int sum(ToIntFunction<LoopSelector> q) {
    int n = 0;
    for (LoopSelector s : selectors.values()) {
      if (s.loop.inLoop()) {
        n += q.applyAsInt(s);
        continue;
      }
      CompletableFuture<Integer> f = new CompletableFuture<>();
      s.loop.execute(() -> f.complete(q.applyAsInt(s)));
      n += f.orTimeout(5, TimeUnit.SECONDS).join();
    }
    return n;
  }

  /** Closes each loop's selector on its loop (the loops still run while services terminate). */
  @Override
  public CompletionStage<?> terminated() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    all.add(gate.stop()); // a start posted after the selector's close below fails its interest
    for (AoLoop loop : ctx.loops()) { // every loop, not the selectors seen now: see the overview
      CompletableFuture<Void> done = new CompletableFuture<>();
      loop.execute(
          () -> {
            try {
              LoopSelector s = selectors.get(loop.index());
              if (s != null) {
                s.close();
              }
            } finally {
              done.complete(null);
            }
          });
      all.add(done);
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
  }

  @Override
  public String toString() {
    return "Channels" + selectors.values();
  }
}
