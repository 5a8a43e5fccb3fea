package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A loop waiting through a {@link LoopWaiter}: a real Selector, woken by posts from other threads. */
class LoopWaiterTest {
  /** The waiter of ao-watch's Channels, reduced to the wait: select, woken by Selector.wakeup(). */
  static final class SelectorWaiter implements LoopWaiter {
    final Selector selector;
    final AtomicInteger awaits = new AtomicInteger();

    SelectorWaiter() throws IOException {
      this.selector = Selector.open();
    }

    @Override
    public void await(long nanos) {
      awaits.incrementAndGet();
      try {
        if (nanos == LoopDriver.IDLE) {
          selector.select();
        } else {
          selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void wakeup() {
      selector.wakeup();
    }
  }

  AoContext ctx;
  AoLoop loop;

  @BeforeEach
  void open() {
    ctx = AoContext.builder().name("waiter").loops(1).build();
    loop = ctx.loops().get(0);
  }

  @AfterEach
  void close() {
    assertTrue(ctx.close(Duration.ofSeconds(10)), "the loop stopped");
  }

  private <T> T onLoop(Supplier<T> s) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        f.complete(s.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void selectorWaiter_isWokenByEveryTaskFromOtherThreads_andByStop() throws Exception {
    SelectorWaiter w = new SelectorWaiter();
    try {
      onLoop(() -> {
        loop.setWaiter(w);
        return null;
      });
      // Several threads ping the loop and wait for each answer: a lost wakeup leaves the loop in
      // select() with a task queued, and that thread's latch times out.
      int threads = 3;
      int rounds = 3_000;
      Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread th = new Thread(() -> {
          try {
            for (int i = 0; i < rounds; i++) {
              CountDownLatch ran = new CountDownLatch(1);
              loop.execute(ran::countDown);
              if (!ran.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("task " + i + " not run: a lost wakeup");
              }
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join();
      }
      assertTrue(errors.isEmpty(), errors::toString);
      assertTrue(w.awaits.get() > 0, "the loop waited in select()");
      // stop wakes the waiter too: close() would not return if the loop stayed in select()
      ctx.close();
    } finally {
      w.selector.close();
    }
  }

  @Test
  void removedWaiter_isNoLongerUsed_andTheLoopParksAgain() throws Exception {
    SelectorWaiter w = new SelectorWaiter();
    try {
      onLoop(() -> {
        loop.setWaiter(w);
        return null;
      });
      assertTrue(onLoop(() -> loop.removeWaiter(w)));
      int before = w.awaits.get();
      for (int i = 0; i < 100; i++) {
        assertEquals(i, onLoop(() -> 0) + i);
      }
      assertEquals(before, w.awaits.get());
      assertFalse(onLoop(() -> loop.removeWaiter(w)));
    } finally {
      w.selector.close();
    }
  }

  @Test
  void throwingAwait_isRemovedAndLogged_andTheLoopGoesOn() throws Exception {
    AtomicInteger awaits = new AtomicInteger();
    LoopWaiter broken = new LoopWaiter() {
      @Override
      public void await(long nanos) {
        awaits.incrementAndGet();
        throw new IllegalStateException("broken waiter");
      }

      @Override
      public void wakeup() {}
    };
    onLoop(() -> {
      loop.setWaiter(broken);
      return null;
    });
    // the loop waits at once (nothing queued), the waiter throws and is removed
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> awaits.get() == 1);
    for (int i = 0; i < 200; i++) {
      assertEquals(7, onLoop(() -> 7));
    }
    assertEquals(1, awaits.get());
    assertFalse(onLoop(() -> loop.removeWaiter(broken)));
  }

  @Test
  void throwingWakeup_fallsBackToUnpark() throws Exception {
    // The waiter parks the thread itself, so only the loop's fallback unpark can wake it.
    LoopWaiter deafWaker = new LoopWaiter() {
      @Override
      public void await(long nanos) {
        LockSupport.park(this);
      }

      @Override
      public void wakeup() {
        throw new IllegalStateException("cannot wake");
      }
    };
    onLoop(() -> {
      loop.setWaiter(deafWaker);
      return null;
    });
    for (int i = 0; i < 200; i++) {
      assertEquals(7, onLoop(() -> 7));
    }
    assertTrue(onLoop(() -> loop.removeWaiter(deafWaker)));
  }

  @Test
  void setWaiter_twiceOrOffTheLoop_throws_andNullIsRejected() throws Exception {
    SelectorWaiter w = new SelectorWaiter();
    SelectorWaiter other = new SelectorWaiter();
    try {
      IllegalStateException off = assertThrows(IllegalStateException.class, () -> loop.setWaiter(w));
      assertTrue(off.getMessage().contains("loop's thread"), off.getMessage());
      assertThrows(IllegalStateException.class, () -> loop.removeWaiter(w));
      NullPointerException npe = assertThrows(NullPointerException.class, () -> loop.setWaiter(null));
      assertEquals("waiter", npe.getMessage());
      assertThrows(NullPointerException.class, () -> loop.removeWaiter(null));
      onLoop(() -> {
        loop.setWaiter(w);
        return null;
      });
      CompletableFuture<Throwable> twice = new CompletableFuture<>();
      loop.execute(() -> {
        try {
          loop.setWaiter(other);
          twice.complete(null);
        } catch (RuntimeException e) {
          twice.complete(e);
        }
      });
      Throwable e = twice.get(10, TimeUnit.SECONDS);
      assertTrue(e instanceof IllegalStateException, String.valueOf(e));
      assertTrue(e.getMessage().contains("already"), e.getMessage());
      assertFalse(onLoop(() -> loop.removeWaiter(other)), "not the loop's waiter");
      assertTrue(onLoop(() -> loop.removeWaiter(w)));
    } finally {
      w.selector.close();
      other.selector.close();
    }
  }
}
