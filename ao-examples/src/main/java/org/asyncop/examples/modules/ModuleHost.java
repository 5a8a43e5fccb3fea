package org.asyncop.examples.modules;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.asyncop.core.UserCode;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.AoHow;
import org.asyncop.core.Checks;
import org.asyncop.core.Outcome;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.timers.Timers;
import org.asyncop.watch.Channels;
import org.jspecify.annotations.Nullable;

/**
 * Loads and unloads {@link Module}s on one event loop, and ends that loop by itself on {@link
 * #quit()}.
 *
 * <p>Unloading follows the proposal of seed 001: send the module the cleanup event (a cancel of
 * its operation), let it wrap up without blocking the loop, and call {@link Module#deinit} only
 * when nothing of it is registered any more (the core delivers the operation's outcome only then).
 * The host then drops the module and its class loader. A module that has not finished within the
 * unload bound is forced ({@link Ao#cancelNow()}, which cuts its shielded cleanup short) and
 * reported by name; one still alive a bound after that is reported as stuck and stays loaded.
 *
 * <p>Threads: every method is safe from any thread and returns at once; the work runs on the
 * host's loop, in the order the calls were made (from one thread). Events reach the listener on
 * the loop. Stages complete on the loop.
 */
public final class ModuleHost {
  /*
   * Overview. The host owns its context (one loop) and is an operation of it (`hostAo`). The
   * unload bounds are timers on `bounds`, a shielded child of hostAo, so that they keep running
   * when hostAo is cancelled (the context closing), which is exactly when they matter. Each module
   * is a top-level operation of the context.
   *
   * All bookkeeping is confined to the loop: `modules` is concurrent only so that loaded() can
   * read it from any thread. `quitting` goes false -> true once (quit(), or hostAo cancelled);
   * from then on no load is accepted, every module gets its cleanup event, and once the last one
   * is gone, `bounds` and hostAo complete and the context is closed: nothing is left in it, so its
   * loop runs what is queued and ends.
   */
  private final AoContext ctx;
  private final Duration unloadBound;
  private final Consumer<String> events;
  private final Timers timers;
  private final Ao<Void> hostAo;
  private final Ao<Void> bounds;
  private final ConcurrentHashMap<String, Loaded> modules = new ConcurrentHashMap<>();
  private final CompletableFuture<List<UnloadReport>> quitDone = new CompletableFuture<>();

  // ---- confined to the loop ----
  private boolean quitting;
  private final List<UnloadReport> quitReports = new ArrayList<>();

  private ModuleHost(String name, Duration unloadBound, Consumer<String> events) {
    this.ctx = AoContext.builder().name(name).build();
    this.unloadBound = unloadBound;
    this.events = events;
    this.timers = Timers.of(ctx);
    // Attach the services whose threads modules use now, from the host's code: a thread made
    // while a module's init is on the stack would keep (on JDK 17, through the access-control
    // context it inherits) that module's class loader alive for as long as the thread runs.
    Channels.of(ctx);
    this.hostAo = ctx.begin(AoHow.<Void>callback(o -> { }).named("module host " + name));
    this.bounds = hostAo.nestShielded("unload bounds", o -> { });
    hostAo.onCancel(this::beginQuit);
  }

  /**
   * A host with a loop of its own, named {@code name}.
   *
   * @param unloadBound how long a module may take to wrap up before it is forced
   * @param events what the host and its modules report, called on the loop
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is empty or {@code unloadBound} is not
   *     positive
   */
  public static ModuleHost create(String name, Duration unloadBound, Consumer<String> events) {
    requireNonNull(name, "name");
    Checks.positive(unloadBound, "unloadBound");
    requireNonNull(events, "events");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name must not be empty");
    }
    return new ModuleHost(name, unloadBound, events);
  }

  /**
   * Loads the class {@code className} in a class loader of its own (its package is defined there;
   * everything else comes from this class's loader), creates it, and calls its {@link
   * Module#init} on the loop. Class loading runs on the calling thread, never on the loop. The
   * stage completes once init returned; it fails with the cause if the class cannot be loaded or
   * is not a {@link Module}, if init threw, if a module of that name is loaded, or if the host is
   * quitting or has quit.
   *
   * @throws NullPointerException if an argument is null
   */
  public CompletionStage<Void> load(String name, String className, Map<String, String> config) {
    requireNonNull(name, "name");
    requireNonNull(className, "className");
    requireNonNull(config, "config");
    CompletableFuture<Void> f = new CompletableFuture<>();
    Module module;
    ModuleLoader loader;
    try {
      int dot = className.lastIndexOf('.');
      loader = new ModuleLoader(name, dot < 0 ? "" : className.substring(0, dot),
          ModuleHost.class.getClassLoader());
      Class<?> c = Class.forName(className, true, loader);
      if (!Module.class.isAssignableFrom(c)) {
        throw new IllegalArgumentException(className + " is not a " + Module.class.getName());
      }
      module = (Module) c.getConstructor().newInstance();
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      f.completeExceptionally(e instanceof InvocationTargetException ite ? ite.getCause() : e);
      return f.minimalCompletionStage();
    }
    ModuleEnv env = new ModuleEnv(name, config, this::event);
    if (hostAo.isDone()) { // quit ended: the loop stops (or has stopped) and would drop the init
      f.completeExceptionally(new IllegalStateException("the host has quit; not loading " + name));
      return f.minimalCompletionStage();
    }
    hostAo.execute(() -> init(new Loaded(name, module, loader), env, f));
    failIfQuit(f);
    return f.minimalCompletionStage();
  }

  /**
   * Unloads the module {@code name} (see the class comment). The stage completes with the report
   * once deinit ran; it fails with {@link NoSuchElementException} if no module of that name is
   * loaded, or with a {@link TimeoutException} if the module is stuck even after it was forced
   * (at once when it was found stuck before). Unloading a module that is already unloading waits
   * for the same end.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public CompletionStage<UnloadReport> unload(String name) {
    requireNonNull(name, "name");
    CompletableFuture<UnloadReport> f = new CompletableFuture<>();
    if (hostAo.isDone()) { // quit ended with no module left, and the loop would drop the task
      f.completeExceptionally(new NoSuchElementException("no module named " + name));
      return f.minimalCompletionStage();
    }
    hostAo.execute(() -> {
      Loaded m = modules.get(name);
      if (m == null) {
        f.completeExceptionally(new NoSuchElementException("no module named " + name));
        return;
      }
      if (m.stuck) { // no bound runs for it any more: nothing would ever answer a waiter
        f.completeExceptionally(new TimeoutException("module " + name + " is stuck"));
        return;
      }
      m.waiters.add(f);
      beginUnload(m);
    });
    failIfQuit(f);
    return f.minimalCompletionStage();
  }

  /**
   * After a post to the loop: once the quit has finished, the loop has stopped and may have dropped
   * the task, which would leave {@code f} pending for ever; so it fails here. A task the loop took
   * has run before the quit finished, and completed {@code f}: then this does nothing.
   */
  private void failIfQuit(CompletableFuture<?> f) {
    if (quitDone.isDone()) {
      f.completeExceptionally(new IllegalStateException("module host " + ctx.name() + " has quit"));
    }
  }

  /**
   * Unloads every module, all at once, then lets the loop end: once the last module is gone, the
   * host's context has nothing left and its loop stops by itself. The stage completes with the
   * reports, in the order the modules went, after the loop has stopped. It fails with a {@link
   * TimeoutException} naming them once every module left is stuck even after it was forced: those
   * stay loaded, and the loop goes on until they end (it then ends as above). Idempotent.
   */
  public CompletionStage<List<UnloadReport>> quit() {
    if (!quitDone.isDone()) {
      hostAo.execute(this::beginQuit);
    }
    return quitDone.minimalCompletionStage();
  }

  /** The names of the loaded modules (also those unloading). */
  public List<String> loaded() {
    return List.copyOf(modules.keySet());
  }

  /** The host's context: its loop, timers and channels, for modules and tests. */
  public AoContext context() {
    return ctx;
  }

  /** The class loader of a loaded module; tests hold it only through a weak reference. */
  Optional<ClassLoader> classLoaderOf(String name) {
    Loaded m = modules.get(name);
    return Optional.ofNullable(m == null ? null : m.loader);
  }

  // ---------------------------------------------------------------- on the loop

  /** One loaded module. Confined to the loop. */
  private static final class Loaded {
    final String name;
    @Nullable Module module;
    @Nullable ClassLoader loader;
    @Nullable Ao<Void> ao;
    boolean initFailed;
    boolean unloading;
    boolean forced;
    /** Still alive a bound after it was forced. */
    boolean stuck;
    @Nullable Registration bound;
    final List<CompletableFuture<UnloadReport>> waiters = new ArrayList<>(1);

    Loaded(String name, Module module, ClassLoader loader) {
      this.name = name;
      this.module = module;
      this.loader = loader;
    }
  }

  private void init(Loaded m, ModuleEnv env, CompletableFuture<Void> f) {
    if (quitting) {
      f.completeExceptionally(new IllegalStateException("the host is quitting; not loading " + m.name));
      return;
    }
    if (modules.putIfAbsent(m.name, m) != null) {
      f.completeExceptionally(new IllegalStateException("a module named " + m.name + " is loaded"));
      return;
    }
    Ao<Void> ao;
    try {
      ao = ctx.begin(AoHow.<Void>callback(o -> finished(m, o)).named("module " + m.name));
    } catch (IllegalStateException e) { // the context was closed from outside: quitting comes next
      modules.remove(m.name, m);
      f.completeExceptionally(new IllegalStateException("the host is quitting; not loading " + m.name, e));
      return;
    }
    m.ao = ao;
    try {
      requireNonNull(m.module).init(ao, env);
      event("loaded " + m.name);
      f.complete(null);
    } catch (Throwable e) {
      UserCode.rethrowIfFatal(e);
      m.initFailed = true;
      if (!ao.isDone()) {
        ao.fail(e);
      }
      f.completeExceptionally(e);
    }
  }

  private void beginUnload(Loaded m) {
    if (m.unloading) {
      return;
    }
    m.unloading = true;
    event("cleanup event to " + m.name);
    requireNonNull(m.ao).cancel();
    m.bound = timers.sleep(bounds, unloadBound, rc -> {
      if (rc == Rc.OK) {
        force(m);
      }
    });
  }

  private void force(Loaded m) {
    m.forced = true;
    event("module " + m.name + " did not finish its cleanup within " + unloadBound + "; forcing it");
    requireNonNull(m.ao).cancelNow();
    m.bound = timers.sleep(bounds, unloadBound, rc -> {
      if (rc == Rc.OK) {
        event("module " + m.name + " is stuck: still registered after a forced cancel; left loaded");
        m.stuck = true;
        for (CompletableFuture<UnloadReport> w : m.waiters) {
          w.completeExceptionally(new TimeoutException("module " + m.name + " is stuck"));
        }
        m.waiters.clear();
        if (quitting) {
          maybeEnd();
        }
      }
    });
  }

  /** Loop: the module's operation ended and released everything: deinit, then drop it. */
  private void finished(Loaded m, Outcome<Void> o) {
    Registration b = m.bound;
    if (b != null) {
      b.close();
    }
    Module module = m.module;
    if (!m.initFailed && module != null) {
      try {
        module.deinit();
      } catch (Throwable e) {
        UserCode.rethrowIfFatal(e);
        event("deinit of " + m.name + " threw " + e);
      }
      event("deinit " + m.name + (m.unloading ? "" : " (it ended on its own: " + o.rc() + ")"));
    }
    modules.remove(m.name, m);
    m.module = null; // its classes and loader can go now
    m.loader = null;
    m.ao = null;
    UnloadReport report = new UnloadReport(m.name, o, m.forced);
    for (CompletableFuture<UnloadReport> w : m.waiters) {
      w.complete(report);
    }
    m.waiters.clear();
    if (quitting) {
      quitReports.add(report);
      maybeEnd();
    }
  }

  private void beginQuit() {
    if (quitting) {
      return;
    }
    quitting = true;
    event("quit: cleanup event to every module");
    for (Loaded m : List.copyOf(modules.values())) {
      beginUnload(m);
    }
    maybeEnd();
  }

  /**
   * Loop: once quitting and no module is left, ends the host and lets the loop stop; when every
   * module left is stuck, fails the quit (it would wait for them for ever).
   */
  private void maybeEnd() {
    if (hostAo.isDone()) {
      return;
    }
    if (!modules.isEmpty()) {
      List<String> stuck = modules.values().stream().filter(x -> x.stuck).map(x -> x.name).toList();
      if (stuck.size() == modules.size()) {
        quitDone.completeExceptionally(new TimeoutException("modules " + stuck
            + " are stuck even after a forced cancel; left loaded, and the loop goes on"));
      }
      return;
    }
    bounds.complete(null);
    hostAo.complete(null);
    event("no module left; the loop ends");
    List<UnloadReport> reports = List.copyOf(quitReports);
    ctx.closeAsync().whenComplete((v, e) -> quitDone.complete(reports));
  }

  private void event(String e) {
    try {
      events.accept(e);
    } catch (Throwable ex) { // an Error too: it would leave the host's bookkeeping half done
      UserCode.rethrowIfFatal(ex);
      System.getLogger(ModuleHost.class.getName())
          .log(System.Logger.Level.WARNING, "event listener threw", ex);
    }
  }

}
