package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.ContextService;
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
 * <p>Threads: one selector thread per context (this service, closed by the context's close),
 * which owns every {@link SelectionKey}; a cancel deregisters the interest there (and the key,
 * when no interest is left), and the ao's outcome waits for that ({@link Ao#attach}). Every method
 * is safe from any thread. Channels must be in non-blocking mode.
 */
public final class Channels implements ContextService {
  private final SelectorLoop selector;

  private Channels(AoContext ctx) {
    try {
      this.selector = new SelectorLoop(Selector.open(), ctx.name() + "-selector");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
  }

  /**
   * The channel watches of {@code ctx}, attached on first use and released by its close.
   *
   * @throws NullPointerException if {@code ctx} is null
   * @throws IllegalStateException if the context has stopped
   */
  public static Channels of(AoContext ctx) {
    requireNonNull(ctx, "ctx");
    return ctx.service(Channels.class, Channels::new);
  }

  /**
   * Calls {@code callback} once when {@code ch} has a connection to accept (see the class
   * comment).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ch} is in blocking mode or cannot accept
   */
  public Registration whenAcceptable(Ao<?> ao, SelectableChannel ch, Consumer<Rc> callback) {
    return when(ao, ch, SelectionKey.OP_ACCEPT, callback);
  }

  /**
   * Calls {@code callback} once when {@code ch} has data to read, or has reached end of stream.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ch} is in blocking mode or cannot read
   */
  public Registration whenReadable(Ao<?> ao, SelectableChannel ch, Consumer<Rc> callback) {
    return when(ao, ch, SelectionKey.OP_READ, callback);
  }

  /**
   * Calls {@code callback} once when {@code ch} can take more data.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ch} is in blocking mode or cannot write
   */
  public Registration whenWritable(Ao<?> ao, SelectableChannel ch, Consumer<Rc> callback) {
    return when(ao, ch, SelectionKey.OP_WRITE, callback);
  }

  private Registration when(Ao<?> ao, SelectableChannel ch, int op, Consumer<Rc> callback) {
    requireNonNull(ao, "ao");
    requireNonNull(ch, "ch");
    requireNonNull(callback, "callback");
    if ((ch.validOps() & op) == 0) {
      throw new IllegalArgumentException("ch does not support " + Interest.opName(op) + ": " + ch);
    }
    if (ch.isBlocking()) {
      throw new IllegalArgumentException("ch must be in non-blocking mode: " + ch);
    }
    Interest i = new Interest(ao, ch, op, callback, selector);
    Watches.startOnLoop(ao, i::start);
    return i;
  }

  /** How many interests are registered (for leak checks); asks the selector thread. */
  public int interestCount() {
    return selector.interestCount();
  }

  /** How many selection keys the selector holds (for leak checks); asks the selector thread. */
  public int keyCount() {
    return selector.keyCount();
  }

  @Override
  public CompletionStage<?> terminated() {
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    selector.stop(stopped);
    return stopped;
  }

  @Override
  public String toString() {
    return "Channels[" + selector + "]";
  }
}
