package org.asyncop.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LocalQueueTest {
  /** A task that is only ever compared by identity. */
  private static Runnable task() {
    return () -> {};
  }

  @Test
  void aNewQueueIsEmpty() {
    LocalQueue q = new LocalQueue();
    assertTrue(q.isEmpty());
    assertNull(q.poll());
  }

  @Test
  void tasksComeOutInTheOrderTheyWentInAcrossManyChunks() {
    LocalQueue q = new LocalQueue();
    int n = LocalQueue.CHUNK * 5 + 3;
    Runnable[] in = new Runnable[n];
    for (int i = 0; i < n; i++) {
      in[i] = task();
      q.add(in[i]);
      assertFalse(q.isEmpty());
    }
    for (int i = 0; i < n; i++) {
      assertSame(in[i], q.poll(), "task " + i);
    }
    assertTrue(q.isEmpty());
    assertNull(q.poll());
  }

  @Test
  void emptyAtAChunksEndThenFilledAgain() {
    LocalQueue q = new LocalQueue();
    for (int round = 0; round < 3; round++) { // drained exactly at each chunk boundary
      for (int i = 0; i < LocalQueue.CHUNK; i++) {
        q.add(task());
      }
      for (int i = 0; i < LocalQueue.CHUNK; i++) {
        assertFalse(q.isEmpty());
        q.poll();
      }
      assertTrue(q.isEmpty(), "round " + round);
      assertNull(q.poll());
    }
    Runnable t = task();
    q.add(t);
    assertSame(t, q.poll());
    assertTrue(q.isEmpty());
  }

  @Test
  void randomAddsAndPollsMatchAnArrayDeque() {
    Random rnd = new Random(42);
    LocalQueue q = new LocalQueue();
    ArrayDeque<Runnable> model = new ArrayDeque<>();
    for (int step = 0; step < 100_000; step++) {
      if (rnd.nextInt(100) < 55) { // grows slowly, so it spans chunks and empties now and then
        Runnable t = task();
        q.add(t);
        model.add(t);
      } else {
        assertSame(model.poll(), q.poll(), "step " + step);
      }
      assertEquals(model.isEmpty(), q.isEmpty(), "step " + step);
    }
  }

  @Test
  void aNullTaskIsRefusedByName() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> new LocalQueue().add(null));
    assertEquals("task", e.getMessage());
  }
}
