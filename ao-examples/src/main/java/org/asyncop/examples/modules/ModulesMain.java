package org.asyncop.examples.modules;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.asyncop.examples.modules.sample.TickerModule;

/**
 * A command that shows a module loading, running and unloading, then {@code quit()} ending the
 * loop by itself:
 *
 * <pre>{@code
 * mvn -B -q -o -pl ao-examples -am package -DskipTests
 * java -cp ao-examples/target/ao-examples.jar org.asyncop.examples.modules.ModulesMain
 * }</pre>
 */
public final class ModulesMain {
  private ModulesMain() {}

  public static void main(String[] args) throws Exception {
    Instant start = Instant.now();
    ModuleHost host = ModuleHost.create("modules", Duration.ofSeconds(2),
        e -> System.out.printf("%5d ms  %s%n", Duration.between(start, Instant.now()).toMillis(), e));
    host.load("ticker", TickerModule.class.getName(), Map.of("periodMillis", "10"))
        .toCompletableFuture().join();
    host.load("ticker2", TickerModule.class.getName(), Map.of()).toCompletableFuture().join();
    Thread.sleep(100); // let the timers tick (a demo, not a test)
    System.out.println("unloaded: " + host.unload("ticker").toCompletableFuture().join());
    List<UnloadReport> rest = host.quit().toCompletableFuture().join();
    System.out.println("quit: " + rest + "; modules left: " + host.loaded());
  }
}
