package org.asyncop.supervise;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartWindowTest {
  private static final long S = 1_000_000_000L;

  @Test
  void allowsAtMostMaxWithinThePeriod() {
    RestartWindow w = new RestartWindow(3, Duration.ofSeconds(10));
    assertTrue(w.tryRecord(0));
    assertTrue(w.tryRecord(1 * S));
    assertTrue(w.tryRecord(2 * S));
    assertFalse(w.tryRecord(9 * S), "a fourth within 10 s");
    assertTrue(w.tryRecord(10 * S), "the first has left the window");
    assertFalse(w.tryRecord(10 * S));
    assertTrue(w.tryRecord(12 * S), "the second and third have left");
  }

  @Test
  void aLimitAsLargeAsAnIntHoldsOnlyTheRestartsItRecorded() {
    // "no practical limit": the window must not set aside room for every allowed restart
    RestartWindow w = new RestartWindow(Integer.MAX_VALUE, Duration.ofSeconds(10));
    for (int i = 0; i < 1000; i++) {
      assertTrue(w.tryRecord(i));
    }
  }

  @Test
  void keepsItsCountAcrossGrowingAndWrapping() {
    RestartWindow w = new RestartWindow(40, Duration.ofSeconds(10));
    for (int i = 0; i < 10; i++) {
      assertTrue(w.tryRecord(i));
    }
    long t = 10 * S + 10; // the first ten have left the window: the ring starts mid-array
    for (int i = 0; i < 40; i++) {
      assertTrue(w.tryRecord(t + i), "restart " + i + " within the window");
    }
    assertFalse(w.tryRecord(t + 40), "a forty-first within 10 s");
    assertTrue(w.tryRecord(t + 10 * S), "the oldest has left");
    assertFalse(w.tryRecord(t + 10 * S), "the other 39 have not");
  }

  @Test
  void zeroAllowsNoRestart() {
    assertFalse(new RestartWindow(0, Duration.ofSeconds(1)).tryRecord(0));
  }

  @Test
  void worksWithNegativeTimes() {
    RestartWindow w = new RestartWindow(1, Duration.ofSeconds(1));
    assertTrue(w.tryRecord(Long.MIN_VALUE + 5));
    assertFalse(w.tryRecord(Long.MIN_VALUE + 6));
    assertTrue(w.tryRecord(Long.MIN_VALUE + 5 + S));
  }
}
