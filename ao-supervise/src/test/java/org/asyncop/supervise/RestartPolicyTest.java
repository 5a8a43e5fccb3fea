package org.asyncop.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.asyncop.core.Rc;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
  @Test
  void delayDoublesUpToTheMaximum() {
    RestartPolicy p = RestartPolicy.always().withBackoff(Duration.ofMillis(100), Duration.ofMillis(700));
    assertEquals(Duration.ofMillis(100), p.delay(1));
    assertEquals(Duration.ofMillis(200), p.delay(2));
    assertEquals(Duration.ofMillis(400), p.delay(3));
    assertEquals(Duration.ofMillis(700), p.delay(4));
    assertEquals(Duration.ofMillis(700), p.delay(Integer.MAX_VALUE));
  }

  @Test
  void delayCappedAtForeverStopsDoublingInsteadOfOverflowing() {
    Duration forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();
    RestartPolicy p = RestartPolicy.always().withBackoff(Duration.ofSeconds(1), forever);
    assertEquals(Duration.ofSeconds(1L << 62), p.delay(63));
    assertEquals(forever, p.delay(64));
    assertEquals(forever, p.delay(Integer.MAX_VALUE));
  }

  @Test
  void zeroBackoffRestartsAtOnce() {
    RestartPolicy p = RestartPolicy.onFailure().withBackoff(Duration.ZERO, Duration.ofSeconds(1));
    assertEquals(Duration.ZERO, p.delay(5));
  }

  @Test
  void whichEndsRestart() {
    assertFalse(RestartPolicy.never().restartsAfter(Rc.FAIL));
    assertTrue(RestartPolicy.onFailure().restartsAfter(Rc.FAIL));
    assertFalse(RestartPolicy.onFailure().restartsAfter(Rc.OK));
    assertFalse(RestartPolicy.onFailure().restartsAfter(Rc.CANCEL));
    assertTrue(RestartPolicy.always().restartsAfter(Rc.OK));
    assertTrue(RestartPolicy.always().restartsAfter(Rc.CANCEL));
  }

  @Test
  void badBackoffsAreRefusedNamingTheArgument() {
    RestartPolicy p = RestartPolicy.always();
    var e1 = assertThrows(IllegalArgumentException.class,
        () -> p.withBackoff(Duration.ofMillis(-1), Duration.ofSeconds(1)));
    assertTrue(e1.getMessage().startsWith("initial"), e1.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class,
        () -> p.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertTrue(e2.getMessage().startsWith("max"), e2.getMessage());
    var e3 = assertThrows(NullPointerException.class, () -> p.withBackoff(Duration.ZERO, null));
    assertEquals("max", e3.getMessage());
  }
}
