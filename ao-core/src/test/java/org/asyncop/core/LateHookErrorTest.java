package org.asyncop.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A hook registered after the outcome was delivered still runs (so a resource that raced the end
 * is released); if it throws, its error can no longer go on the outcome, so it must be logged
 * rather than dropped.
 */
class LateHookErrorTest {
  @Test
  void errorOfAHookThatRunsAfterDeliveryIsLogged() {
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger log = Logger.getLogger("org.asyncop");
    log.addHandler(capture);
    try (AoContext ctx = AoContext.builder().name("late-hook").build()) {
      Recorder<String> r = new Recorder<>();
      Ao<String> ao = ctx.begin(r.how());
      ao.complete("v");
      assertEquals(Rc.OK, r.awaitOne().rc());
      RuntimeException boom = new RuntimeException("late hook failed");
      ao.onCancel(
          () -> {
            throw boom;
          });
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> records.stream().anyMatch(x -> x.getThrown() == boom));
    } finally {
      log.removeHandler(capture);
    }
  }
}
