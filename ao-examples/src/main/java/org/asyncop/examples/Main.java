package org.asyncop.examples;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.core.Outcome;
import org.asyncop.core.Progress;

/**
 * The examples' command line. Until the domain-creation workflow lands, it runs one operation
 * whose cancel hook runs and whose cleanup reports progress, so a newcomer sees the model work.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Instant start = Instant.now();
    CompletableFuture<Outcome<String>> heard = new CompletableFuture<>();
    try (AoContext ctx = AoContext.builder().name("demo").build()) {
      AoHow<String> how =
          AoHow.<String>callback(heard::complete)
              .onProgress(p -> System.out.printf("%5d ms  progress: %s%n", ms(start), p));
      Ao<String> ao = ctx.begin(how);
      ao.reportProgress(Progress.of("started", "waiting for something that never comes"));
      ao.onCancel(
          () -> {
            ao.reportProgress(Progress.of(Progress.CANCELLING));
            ao.reportProgress(Progress.of(Progress.CLEANING_UP, "nothing to release"));
            ao.cancelled();
          });
      try (CancelHandle handle = ao.handle()) {
        System.out.printf("%5d ms  cancel requested: %s%n", ms(start), handle.cancel());
      }
      Outcome<String> o = heard.join();
      System.out.printf("%5d ms  outcome: %s%n", ms(start), o.rc());
    }
    System.out.printf("%5d ms  context closed%n", ms(start));
  }

  private static long ms(Instant start) {
    return Duration.between(start, Instant.now()).toMillis();
  }
}
