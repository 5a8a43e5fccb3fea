package org.asyncop.timers;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.asyncop.core.Ao;

/** Cancels its operation with a TimeoutException when it passes; calls nothing else. */
final class DeadlineTimer extends Timer {
  private final Duration after;

  DeadlineTimer(Ao<?> ao, Duration after) {
    super(ao);
    this.after = after;
  }

  @Override
  void expired() {
    ao().cancel(new TimeoutException("deadline of " + after + " passed"));
  }

  @Override
  void aoCancelled() {
    // the operation ended first: the deadline is simply gone
  }
}
