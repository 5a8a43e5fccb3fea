package org.asyncop.examples.domain;

import static org.asyncop.examples.domain.DomainConfig.ms;

import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.asyncop.core.Ao;
import org.asyncop.core.Outcome;
import org.asyncop.core.Progress;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;
import org.asyncop.process.ChildExit;
import org.asyncop.timers.Timers;
import org.asyncop.watch.Watches;
import org.jspecify.annotations.Nullable;

/**
 * One creation: the workflow of {@link DomainCreator#create} as a chain of callbacks. Every method
 * runs on the operation's loop, so its fields need no lock; each step's callback first asks
 * whether the creation is still going ({@link #ending}), since a cancel and a step's own end can
 * arrive in either order.
 */
final class Creation {
  private final DomainCreator creator;
  private final DomainConfig cfg;
  private final Ao<DomainId> ao;
  private final Timers timers;

  private @Nullable DomainId id;
  private @Nullable Domain domain;
  /** The registrations of the step under way, closed when the creation ends early. */
  private @Nullable Registration step;
  private @Nullable Registration stepTimeout;
  private boolean ending;

  Creation(DomainCreator creator, DomainConfig cfg, Ao<DomainId> ao) {
    this.creator = creator;
    this.cfg = cfg;
    this.ao = ao;
    this.timers = Timers.of(creator.ctx);
  }

  void start() {
    if (ao.isCancelRequested()) {
      end(Rc.CANCEL, null);
      return;
    }
    progress("reserving id", "");
    Optional<DomainId> reserved = creator.ids.reserve();
    if (reserved.isEmpty()) {
      end(Rc.FAIL, new IllegalStateException("no free domain id"));
      return;
    }
    DomainId d = reserved.get();
    id = d;
    progress("writing entries", d.storePath());
    creator.io.run(ao, "writing the entries of " + d, () -> {
      // the id is ours: whatever an earlier user of the store left under it (a domain kept by
      // another run on the same folder) must not pass for this domain's own entries, such as a
      // device model's "running"
      creator.store.remove(d.storePath());
      creator.store.write(d.storePath() + "/name", cfg.name);
      creator.store.write(d.storePath() + "/state", "creating");
      return null;
    }, o -> {
      if (proceeds(o.rc(), o.failure())) {
        build();
      }
    });
  }

  private void build() {
    progress("building", "takes " + ms(cfg.buildTime) + ", timeout " + ms(cfg.buildTimeout));
    stepTimeout = timers.timeout(ao, cfg.buildTimeout, rc -> {
      if (rc == Rc.FAIL) {
        end(Rc.FAIL, new TimeoutException("build did not finish within " + ms(cfg.buildTimeout)));
      }
    });
    step = timers.sleep(ao, cfg.buildTime, rc -> {
      closeStep();
      if (cfg.buildFails && rc == Rc.OK) {
        end(Rc.FAIL, new IllegalStateException("build failed"));
      } else if (proceeds(rc, null)) {
        spawnDeviceModel();
      }
    });
  }

  private void spawnDeviceModel() {
    DomainId d = id();
    progress("spawning device model", "");
    Domain dm;
    try {
      dm = creator.startDomain(d, cfg);
    } catch (RuntimeException e) { // the context began closing under us
      end(Rc.FAIL, e);
      return;
    }
    domain = dm;
    dm.onDeviceModelExit(this::deviceModelExited);
    progress("waiting for device model", "pid " + dm.deviceModelPid() + ", timeout "
        + ms(cfg.dmTimeout));
    try {
      step = Watches.await(ao, creator.store, d.storePath() + "/device-model/state",
          v -> v.filter("running"::equals).isPresent(), cfg.dmTimeout, this::deviceModelReported);
    } catch (IllegalStateException e) { // the store was closed under us
      end(Rc.FAIL, e);
    }
  }

  private void deviceModelReported(Outcome<String> o) {
    step = null;
    Throwable why = o.failure();
    if (o.rc() == Rc.FAIL && why instanceof TimeoutException) {
      why = new TimeoutException("device model did not report running within " + ms(cfg.dmTimeout));
    }
    if (proceeds(o.rc(), why)) {
      unpause();
    }
  }

  private void deviceModelExited(ChildExit exit) {
    if (exit.rc() != Rc.CANCEL) {
      end(Rc.FAIL, new IllegalStateException("device model exited during creation: " + exit
          + (exit.stderr().isEmpty() ? "" : " (" + exit.stderr().strip() + ")")));
    }
  }

  private void unpause() {
    DomainId d = id();
    progress("unpausing", "");
    creator.io.run(ao, "unpausing " + d, () -> {
      creator.store.write(d.storePath() + "/state", "running");
      return null;
    }, o -> {
      if (ending) {
        return;
      }
      if (o.rc() != Rc.OK) {
        end(o.rc(), o.failure());
        return;
      }
      // the work is done: a cancel that arrived meanwhile is too late, the outcome is OK
      ending = true;
      detachDomain();
      creator.ids.idle(d); // a domain now: destroy() may claim it
      ao.complete(d);
    });
  }

  /** Whether a step that ended with {@code rc} lets the creation go on; ends it if not. */
  private boolean proceeds(Rc rc, @Nullable Throwable failure) {
    if (ending) {
      return false;
    }
    if (rc == Rc.OK && !ao.isCancelRequested()) {
      return true;
    }
    end(rc == Rc.FAIL ? Rc.FAIL : Rc.CANCEL, failure);
    return false;
  }

  /** Ends the creation early: stops the step under way, then destroys or keeps the domain. */
  private void end(Rc rc, @Nullable Throwable failure) {
    if (ending) {
      return;
    }
    ending = true;
    closeStep();
    detachDomain();
    Throwable cause = failure != null ? failure : new IllegalStateException("failed");
    DomainId d = id;
    if (d == null) { // nothing was made
      finish(rc, cause, null);
      return;
    }
    ao.reportProgress(Progress.of(Progress.CANCELLING,
        rc == Rc.CANCEL ? "cancel requested" : String.valueOf(cause.getMessage())));
    if (rc == Rc.CANCEL && cfg.keepOnCancel) {
      progress("keeping", d + " stays, as configured");
      creator.ids.idle(d);
      ao.cancelled(d);
      return;
    }
    Ao<Void> cleanup = ao.nestShielded("destroy " + d, o -> finish(rc, cause, o));
    timers.deadline(cleanup, cfg.cleanupTimeout);
    new Destruction(creator, d, domain, cleanup, ao::reportProgress).start();
  }

  private void finish(Rc rc, Throwable cause, @Nullable Outcome<Void> cleanup) {
    if (cleanup != null && cleanup.rc() != Rc.OK && cleanup.failure() != null) {
      cause.addSuppressed(cleanup.failure());
    }
    if (rc == Rc.CANCEL) {
      ao.cancelled();
    } else {
      ao.fail(cause);
    }
  }

  private void closeStep() {
    Registration s = step;
    Registration t = stepTimeout;
    step = null;
    stepTimeout = null;
    if (s != null) {
      s.close();
    }
    if (t != null) {
      t.close();
    }
  }

  private void detachDomain() {
    Domain dm = domain;
    if (dm != null) {
      dm.onDeviceModelExit(null);
    }
  }

  private DomainId id() {
    DomainId d = id;
    if (d == null) {
      throw new IllegalStateException("no id reserved yet");
    }
    return d;
  }

  private void progress(String phase, String detail) {
    ao.reportProgress(Progress.of(phase, detail));
  }
}
