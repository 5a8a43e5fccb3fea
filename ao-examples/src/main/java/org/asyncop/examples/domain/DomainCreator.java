package org.asyncop.examples.domain;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.CancelHandle;
import org.asyncop.process.ChildProcesses;
import org.asyncop.process.Output;
import org.asyncop.process.ProcessSpec;
import org.asyncop.watch.DirectoryStore;

/**
 * Creates and destroys domains, as Xen's libxl does, each creation one cancellable operation.
 *
 * <p>{@link #create} runs, as a chain of callbacks on the operation's loop, with a progress
 * report at each step:
 *
 * <ol>
 *   <li>{@code reserving id}, then {@code writing entries}: a free id, and its entries under
 *       {@code /local/domain/<id>} in the store (the store call runs off the loop);
 *   <li>{@code building}: simulated work on a timer, bound by its own timeout;
 *   <li>{@code spawning device model}: a real child process, a shell script that writes {@code
 *       running} to {@code /local/domain/<id>/device-model/state} through the folder of the
 *       {@link DirectoryStore}, so the watch crosses a process boundary;
 *   <li>{@code waiting for device model}: an await on that path, bound by a timeout;
 *   <li>{@code unpausing}: the domain's state becomes {@code running}; the outcome is OK with the
 *       id.
 * </ol>
 *
 * <p>On a failure or a cancel it reports {@code cancelling}, then {@code cleaning up} for each
 * step of the destruction (kill the device model's process group, remove the entries, release the
 * id), which runs in a shielded nested operation with a deadline; then FAIL or CANCEL. With {@link
 * DomainConfig#keepOnCancel()} a cancel skips the destruction and the CANCEL outcome carries the
 * id. A forced cancel ({@link CancelHandle#cancelNow()}) during the cleanup abandons it: the
 * outcome names the abandoned cleanup and a last progress report says what was left. A failed
 * creation that is being destroyed and is then cancelled still ends once, FAIL, with nothing left.
 *
 * <p>A domain created OK keeps running (its device model is a child of this JVM) until {@link
 * #destroy} or the context's close. Thread-safe; every method may be called from any thread.
 */
public final class DomainCreator {
  final AoContext ctx;
  final DirectoryStore store;
  final StoreIo io;
  final DomainIds ids;
  /** The device model's shell script, run with {@code sh -c}: no file to leave behind. */
  private final String script;
  private final ConcurrentHashMap<DomainId, Domain> running = new ConcurrentHashMap<>();
  /** The process group of every device model ever started (its pid), to look for leftovers. */
  private final Set<Integer> deviceModelGroups = ConcurrentHashMap.newKeySet();

  /**
   * @param ctx where the operations run; its close destroys nothing but kills every device model
   * @param store where the domains' entries live; its folder is handed to the device models
   * @throws NullPointerException if an argument is null
   */
  public DomainCreator(AoContext ctx, DirectoryStore store) {
    this.ctx = requireNonNull(ctx, "ctx");
    this.store = requireNonNull(store, "store");
    this.io = StoreIo.of(ctx);
    ChildProcesses.of(ctx); // binds the native library now, not in the middle of a creation
    this.ids = new DomainIds(4096);
    this.script = readScript();
  }

  /**
   * Begins creating a domain.
   *
   * @return the caller's handle: cancel, force, close when no longer needed
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the context is closing
   */
  public CancelHandle create(DomainConfig config, AoHow<DomainId> how) {
    requireNonNull(config, "config");
    requireNonNull(how, "how");
    Ao<DomainId> ao = ctx.begin(how);
    ao.execute(new Creation(this, config, ao)::start);
    return ao.handle();
  }

  /**
   * Begins destroying a domain this creator made (or kept after a cancel): kill its device model,
   * remove its entries, release its id; progress as in the cleanup of {@link #create}. If the
   * entries cannot be removed, the destruction fails and the id stays reserved, so that no new
   * domain takes those entries for its own: destroy it again once the store can be written.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code id} is not a domain of this creator, or is still
   *     being created, or is being destroyed
   * @throws IllegalStateException if the context is closing
   */
  public CancelHandle destroy(DomainId id, AoHow<Void> how) {
    requireNonNull(id, "id");
    requireNonNull(how, "how");
    if (!ids.claim(id)) {
      throw new IllegalArgumentException("id " + id.value() + (ids.isReserved(id)
          ? " is still being created or is being destroyed" : " is not a domain of this creator"));
    }
    Ao<Void> ao;
    try {
      ao = ctx.begin(how);
    } catch (RuntimeException e) {
      ids.idle(id);
      throw e;
    }
    ao.execute(() -> new Destruction(this, id, running.get(id), ao, ao::reportProgress).start());
    return ao.handle();
  }

  /** The domains whose device model runs now. */
  public Set<DomainId> runningDomains() {
    return Set.copyOf(running.keySet());
  }

  /** How many ids are reserved: domains made, being made, or being destroyed. */
  public int reservedIds() {
    return ids.reserved();
  }

  /** The process groups of every device model this creator started. */
  Set<Integer> deviceModelGroups() {
    return Set.copyOf(deviceModelGroups);
  }

  /** Loop: begins the domain's own operation on the caller's loop and starts its device model. */
  Domain startDomain(DomainId id, DomainConfig cfg) {
    Domain[] d = new Domain[1];
    Ao<Void> ao = ctx.begin(AoHow.<Void>callback(o -> {
      running.remove(id, d[0]);
      d[0].ended(o);
    }).named(id.toString()));
    d[0] = new Domain(id, ao);
    running.put(id, d[0]);
    ProcessSpec spec = ProcessSpec.builder()
        .command(List.of("/bin/sh", "-c", script, "asyncop-device-model", store.folder().toString(),
            Integer.toString(id.value()), seconds(cfg), cfg.dmMode.name().toLowerCase(Locale.ROOT)))
        .stdout(Output.discard())
        .stderr(Output.capture(4096))
        .build();
    d[0].started(ChildProcesses.of(ctx).spawn(ao, spec, d[0]::deviceModelExited));
    if (d[0].deviceModelPid() > 0) {
      deviceModelGroups.add(d[0].deviceModelPid()); // its own process group: pgid == pid
    }
    return d[0];
  }

  private static String seconds(DomainConfig cfg) {
    return String.format(Locale.ROOT, "%.3f", cfg.dmDelay.toNanos() / 1e9);
  }

  private static String readScript() {
    try (InputStream in = DomainCreator.class.getResourceAsStream("device-model.sh")) {
      if (in == null) {
        throw new IllegalStateException("device-model.sh is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the device model script", e);
    }
  }
}
