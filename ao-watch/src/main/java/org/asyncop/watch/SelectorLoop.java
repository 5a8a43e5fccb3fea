package org.asyncop.watch;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.asyncop.core.Rc;
import org.jspecify.annotations.Nullable;

/**
 * The selector thread of {@link Channels}.
 *
 * <p>Overview. One thread owns the {@link Selector} and every key; other threads hand it tasks
 * through a queue and {@link Selector#wakeup()}. Each key's attachment is the list of interests
 * waiting on that channel; the key's interest set is the union of their ops. When a key is
 * selected, every interest whose op is ready is removed and fired (one-shot), and the interest set
 * shrinks accordingly; a key left with no interest is cancelled, so nothing stays registered.
 * Re-registering a channel whose cancelled key is not yet flushed first flushes it with {@code
 * selectNow()}. A channel closed while waited on has its key cancelled by the JDK without a
 * wakeup; a sweep, at most once a second, fails the interests of invalid keys.
 */
final class SelectorLoop {
  private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  // selector thread only
  private final Set<SelectionKey> watched = new HashSet<>();
  private long lastSweep = System.nanoTime();
  private int interests;
  private @Nullable CompletableFuture<Void> stopped;

  SelectorLoop(Selector selector, String name) {
    this.selector = selector;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  void execute(Runnable task) {
    tasks.offer(task);
    selector.wakeup();
  }

  /** Stops the thread once the queued tasks ran; completes {@code done} when it has closed the selector. */
  void stop(CompletableFuture<Void> done) {
    execute(() -> stopped = done);
  }

  int interestCount() {
    return ask(() -> interests);
  }

  /** Keys still registered, after flushing cancelled ones (selectNow deregisters them). */
  int keyCount() {
    return ask(
        () -> {
          try {
            selector.selectNow(); // what it selects stays in selectedKeys for the loop to handle
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return selector.keys().size();
        });
  }

  private int ask(java.util.function.IntSupplier q) {
    if (Thread.currentThread() == thread) {
      return q.getAsInt();
    }
    CompletableFuture<Integer> f = new CompletableFuture<>();
    execute(() -> f.complete(q.getAsInt()));
    return f.orTimeout(5, TimeUnit.SECONDS).join();
  }

  // ---------------------------------------------------------------- selector thread

  void register(Interest i) {
    if (!i.isPending()) {
      return; // closed meanwhile; close() posted its own end
    }
    try {
      SelectionKey k = i.ch.keyFor(selector);
      if (k != null && !k.isValid()) {
        selector.selectNow(); // flush the cancelled key, or register() would throw
        k = null;
      }
      if (k == null) {
        List<Interest> list = new ArrayList<>(2);
        k = i.ch.register(selector, i.op, list);
        watched.add(k);
      } else {
        k.interestOps(k.interestOps() | i.op);
      }
      attached(k).add(i);
      i.key = k;
      interests++;
    } catch (ClosedChannelException | CancelledKeyException e) {
      i.fired(Rc.FAIL);
    } catch (IOException | RuntimeException e) {
      Log.warn("registering " + i, e);
      i.fired(Rc.FAIL);
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

  @SuppressWarnings("unchecked")
  private static List<Interest> attached(SelectionKey k) {
    return (List<Interest>) k.attachment();
  }

  /** Sets the key's ops to what its interests want; cancels it when none is left. */
  private void update(SelectionKey k, List<Interest> list) {
    if (list.isEmpty()) {
      k.cancel();
      watched.remove(k);
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

  private void failAll(SelectionKey k) {
    List<Interest> list = attached(k);
    for (Interest x : list) {
      x.fired(Rc.FAIL);
    }
    interests -= list.size();
    list.clear();
    watched.remove(k);
    k.cancel();
  }

  private void run() {
    try {
      while (stopped == null) {
        Runnable t;
        while ((t = tasks.poll()) != null) {
          runSafely(t);
        }
        if (stopped != null) {
          break;
        }
        if (selector.selectedKeys().isEmpty()) {
          selector.select(TimeUnit.NANOSECONDS.toMillis(SWEEP_NANOS));
        } else {
          selector.selectNow(); // a task's selectNow() left ready keys: handle them, do not wait
        }
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          ready(k);
        }
        sweepIfDue();
      }
    } catch (IOException | RuntimeException e) {
      Log.warn("the selector thread " + thread.getName() + " broke", e);
      for (SelectionKey k : new ArrayList<>(watched)) {
        failAll(k);
      }
    } finally {
      try {
        selector.close();
      } catch (IOException e) {
        Log.warn("closing the selector", e);
      }
      CompletableFuture<Void> s = stopped;
      if (s != null) {
        s.complete(null);
      }
    }
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
    for (Iterator<Interest> it = list.iterator(); it.hasNext(); ) {
      Interest i = it.next();
      if ((i.op & readyOps) != 0) {
        it.remove();
        interests--;
        i.fired(Rc.OK);
      }
    }
    update(k, list);
  }

  private void sweepIfDue() {
    long now = System.nanoTime();
    if (now - lastSweep < SWEEP_NANOS) {
      return;
    }
    lastSweep = now;
    for (SelectionKey k : new ArrayList<>(watched)) {
      if (!k.isValid()) {
        failAll(k);
      }
    }
  }

  private static void runSafely(Runnable t) {
    try {
      t.run();
    } catch (RuntimeException e) {
      Log.warn("a selector task threw", e);
    }
  }

  @Override
  public String toString() {
    return "SelectorLoop[" + thread.getName() + "]";
  }
}
