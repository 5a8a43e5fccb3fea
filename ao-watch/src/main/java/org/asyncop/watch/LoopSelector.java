package org.asyncop.watch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.AoLoop;
import org.asyncop.core.LoopDriver;
import org.asyncop.core.LoopWaiter;
import org.asyncop.core.Rc;

/**
 * The {@link Selector} of one loop, for {@link Channels}.
 *
 * <p>Overview. One per loop that has had a channel interest, created on that loop's thread and
 * confined to it (only {@link #wakeup} comes from other threads). It is the loop's {@link
 * LoopWaiter}: with nothing to run, the loop waits in {@code select()} instead of parking, and a
 * task posted from another thread wakes it with {@link Selector#wakeup()}. It is also one of the
 * loop's drivers: after a wait (or, while the loop is busy and does not wait, after a {@code
 * selectNow()}) {@link #poll} fires the interests of the selected keys right there, on the loop:
 * no selector thread, no hand-off.
 *
 * <p>Each key's attachment is the list of interests waiting on that channel; the key's interest
 * set is the union of their ops. When a key is selected, every interest whose op is ready is
 * removed and fired (one-shot), and the interest set shrinks accordingly; a key left with no
 * interest is cancelled and flushed at once with {@code selectNow()}, so nothing stays registered
 * and a channel its owner closes next is closed for real (see cancel(SelectionKey)).
 * Re-registering a channel whose key the JDK cancelled (a close) first flushes it the same way.
 * A channel closed while waited on
 * has its key cancelled by the JDK without a wakeup; a sweep, at most once a second (the driver
 * bounds the loop's wait while a key is registered), fails the interests of invalid keys.
 *
 * <p>Callbacks run inside {@link #poll} and may register or drop interests (a re-arm does), so
 * the keys to handle are first copied out of the selected-key set, and each key's ready interests
 * are taken off its list before any of them is called. A key still in the selected-key set would
 * not make {@code select()} return again, so {@link #poll} asks for no wait while one is left.
 *
 * <p>{@link #close} (the context's close, on the loop) removes the waiter, fails what is left and
 * closes the selector; a selector that breaks does the same. The driver is idle from then on.
 */
final class LoopSelector implements LoopWaiter, LoopDriver {
  private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);

  final AoLoop loop;
  private final Selector selector;
  // loop thread only
  private final Set<SelectionKey> watched = new HashSet<>();
  private final List<SelectionKey> readyKeys = new ArrayList<>();
  private final List<Interest> firing = new ArrayList<>();
  private long lastSweep;
  private int interests;
  /** The last wait ran select(): the selected-key set is fresh, no selectNow() needed. */
  private boolean selected;
  private boolean closed;

  private LoopSelector(AoLoop loop, Selector selector) {
    this.loop = loop;
    this.selector = selector;
    this.lastSweep = loop.nanoTime();
  }

  /**
   * Loop thread: opens a selector and makes it {@code loop}'s waiter and driver.
   *
   * @throws UncheckedIOException if no selector can be opened
   * @throws IllegalStateException if the loop already waits through another waiter
   */
  static LoopSelector open(AoLoop loop) {
    Selector s;
    try {
      s = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
    LoopSelector ls = new LoopSelector(loop, s);
    try {
      loop.setWaiter(ls);
    } catch (RuntimeException e) {
      closeQuietly(s);
      throw e;
    }
    loop.addDriver(ls);
    return ls;
  }

  boolean isClosed() {
    return closed;
  }

  // ---------------------------------------------------------------- the wait (LoopWaiter)

  @Override
  public void await(long nanos) {
    try {
      if (nanos == LoopDriver.IDLE) {
        selector.select();
      } else {
        // select() counts milliseconds: round to the nearest, and below half of one do not block
        // (the loop polls again at once; a timer due that soon is better early-checked than late)
        long ms = (nanos + NANOS_PER_MILLI / 2) / NANOS_PER_MILLI;
        if (ms == 0) {
          selector.selectNow();
        } else {
          selector.select(ms);
        }
      }
      selected = true;
    } catch (IOException e) {
      throw new UncheckedIOException("select() failed on " + loop, e);
    }
  }

  /** Any thread. Sticky, and a no-op once the selector is closed. */
  @Override
  public void wakeup() {
    selector.wakeup();
  }

  // ---------------------------------------------------------------- the driver

  @Override
  public long poll(long nowNanos) {
    if (closed) {
      return IDLE;
    }
    try {
      if (!selected && interests > 0) {
        selector.selectNow();
      }
    } catch (IOException | RuntimeException e) {
      broke(e);
      return IDLE;
    }
    selected = false;
    Set<SelectionKey> sk = selector.selectedKeys();
    if (!sk.isEmpty()) {
      readyKeys.addAll(sk);
      sk.clear();
      for (int i = 0; i < readyKeys.size(); i++) {
        ready(readyKeys.get(i));
      }
      readyKeys.clear();
    }
    if (nowNanos - lastSweep >= SWEEP_NANOS) {
      lastSweep = nowNanos;
      sweep();
    }
    if (closed || watched.isEmpty()) {
      return IDLE;
    }
    if (!selector.selectedKeys().isEmpty()) {
      return 0; // a callback's selectNow() left ready keys: select() would not report them again
    }
    return Math.max(0, lastSweep + SWEEP_NANOS - nowNanos);
  }

  private void ready(SelectionKey k) {
    int readyOps;
    try {
      readyOps = k.readyOps();
    } catch (CancelledKeyException e) {
      failAll(k);
      return;
    }
    List<Interest> list = attached(k);
    for (int i = list.size() - 1; i >= 0; i--) {
      Interest x = list.get(i);
      if ((x.op & readyOps) != 0) {
        list.remove(i);
        interests--;
        firing.add(x);
      }
    }
    update(k, list);
    // in registration order; firing is empty again before any callback can re-enter ready()
    for (int i = firing.size() - 1; i >= 0; i--) {
      Interest x = firing.remove(i);
      x.fired(Rc.OK);
    }
  }

  private void sweep() {
    for (SelectionKey k : new ArrayList<>(watched)) {
      if (!k.isValid()) {
        failAll(k);
      }
    }
  }

  // ---------------------------------------------------------------- interests (loop thread)

  /** Registers {@code i}; a channel already closed fails it (posted, never inside this call). */
  void register(Interest i) {
    if (closed) {
      i.failed();
      return;
    }
    try {
      SelectionKey k = i.ch.keyFor(selector);
      if (k != null && !k.isValid()) {
        selector.selectNow(); // flush the cancelled key, or register() would throw
        k = null;
      }
      if (k == null) {
        k = i.ch.register(selector, i.op, new ArrayList<Interest>(2));
        watched.add(k);
      } else {
        k.interestOps(k.interestOps() | i.op);
      }
      attached(k).add(i);
      i.key = k;
      interests++;
    } catch (ClosedChannelException | CancelledKeyException e) {
      i.failed();
    } catch (IOException | RuntimeException e) {
      Log.warn("registering " + i, e);
      i.failed();
    }
  }

  void unregister(Interest i) {
    SelectionKey k = i.key;
    if (k == null) {
      return; // never registered, or already dropped
    }
    i.key = null;
    List<Interest> list = attached(k);
    if (list.remove(i)) {
      interests--;
      update(k, list);
    }
  }

  int interestCount() {
    return interests;
  }

  /** Keys still registered, after flushing cancelled ones (selectNow deregisters them). */
  int keyCount() {
    if (closed) {
      return 0;
    }
    try {
      selector.selectNow(); // what it selects stays in selectedKeys for the next poll
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return selector.keys().size();
  }

  @SuppressWarnings("unchecked")
  private static List<Interest> attached(SelectionKey k) {
    return (List<Interest>) k.attachment();
  }

  /** Sets the key's ops to what its interests want; cancels it when none is left. */
  private void update(SelectionKey k, List<Interest> list) {
    if (list.isEmpty()) {
      cancel(k);
      return;
    }
    int ops = 0;
    for (Interest x : list) {
      ops |= x.op;
    }
    try {
      k.interestOps(ops);
    } catch (CancelledKeyException e) {
      failAll(k);
    }
  }

  /**
   * Cancels a key no interest wants any more and deregisters it at once. A channel closed while
   * it is still registered with a selector, even through a cancelled key, is really closed only at
   * that selector's next select: a listening socket closed by its interest's callback would stay
   * bound and keep accepting connections after its owner reported it closed (an EchoServer's
   * stop). Costs no more select calls than before: a key re-registered for the next readiness
   * had to be flushed first anyway (register()).
   */
  private void cancel(SelectionKey k) {
    k.cancel();
    watched.remove(k);
    try {
      selector.selectNow(); // what it selects stays in selectedKeys for the next poll
    } catch (IOException | RuntimeException e) {
      Log.warn("deregistering a cancelled key of " + loop, e); // the next poll finds it broken
    }
  }

  private void failAll(SelectionKey k) {
    List<Interest> list = attached(k);
    List<Interest> failing = new ArrayList<>(list);
    interests -= list.size();
    list.clear();
    cancel(k);
    for (Interest x : failing) {
      x.fired(Rc.FAIL);
    }
  }

  // ---------------------------------------------------------------- end

  /** Loop thread: stops waiting through this selector, fails what is left, closes it. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.removeWaiter(this);
    for (SelectionKey k : new ArrayList<>(watched)) {
      failAll(k);
    }
    closeQuietly(selector);
  }

  private void broke(Exception e) {
    Log.warn("the selector of " + loop + " broke; its interests fail", e);
    close();
  }

  private static void closeQuietly(Selector s) {
    try {
      s.close();
    } catch (IOException e) {
      Log.warn("closing a selector", e);
    }
  }

  @Override
  public String toString() {
    return "LoopSelector[" + loop + ", interests=" + interests + (closed ? ", closed" : "") + "]";
  }
}
