package org.asyncop.examples.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Progress;
import org.asyncop.core.Rc;
import org.jspecify.annotations.Nullable;

/**
 * Destroys a domain, on an operation of its own: the shielded cleanup of a creation, or {@link
 * DomainCreator#destroy}. Steps: kill the device model's process group (and wait until it is
 * reaped), remove the entries, release the id. Each step reports {@code cleaning up} progress.
 *
 * <p>A cancel that reaches this operation (a forced cancel of the creation, or the cleanup's
 * deadline) abandons what is left: a last {@code abandoned} report lists it, and the operation
 * ends with CANCEL. Runs on the operation's loop.
 */
final class Destruction {
  private final DomainCreator creator;
  private final DomainId id;
  private final @Nullable Domain domain;
  private final Ao<Void> ao;
  private final Consumer<Progress> progress;

  private boolean deviceModelGone;
  private boolean entriesGone;
  private boolean finished;

  Destruction(
      DomainCreator creator, DomainId id, @Nullable Domain domain, Ao<Void> ao,
      Consumer<Progress> progress) {
    this.creator = creator;
    this.id = id;
    this.domain = domain;
    this.ao = ao;
    this.progress = progress;
  }

  void start() {
    ao.onCancel(this::abandon);
    Domain d = domain;
    if (d == null || d.isEnded()) {
      deviceModelGone = true;
      removeEntries();
      return;
    }
    progress.accept(Progress.of(Progress.CLEANING_UP,
        "killing device model of " + id + " (pid " + d.deviceModelPid() + ")"));
    d.ao.cancel();
    d.whenEnded(ao::execute, () -> { // the domain may live on another loop of the context
      deviceModelGone = true;
      if (!finished) {
        removeEntries();
      }
    });
  }

  private void removeEntries() {
    progress.accept(Progress.of(Progress.CLEANING_UP, "removing entries " + id.storePath()));
    creator.io.run(ao, "removing the entries of " + id, () -> {
      creator.store.remove(id.storePath());
      return null;
    }, o -> {
      if (finished) {
        return;
      }
      Throwable failed = o.failure();
      if (o.rc() == Rc.OK) {
        entriesGone = true;
        progress.accept(Progress.of(Progress.CLEANING_UP, "releasing id " + id.value()));
        creator.ids.release(id);
      } else {
        // the id is kept: released, it would go to the next creation, which would find these
        // entries (a device model reported running) as if they were its own; kept idle, the
        // domain can be destroyed again once the store can be written
        progress.accept(Progress.of(Progress.CLEANING_UP, "entries " + id.storePath()
            + " could not be removed (" + (failed == null ? "?" : failed.getMessage())
            + "); keeping id " + id.value() + " reserved: destroy it again"));
        creator.ids.idle(id);
      }
      finished = true;
      if (failed == null) {
        ao.complete(null);
      } else {
        ao.fail(failed);
      }
    });
  }

  /** The cancel hook: stop where we are and say what is left. */
  private void abandon() {
    if (finished) {
      return;
    }
    finished = true;
    List<String> left = new ArrayList<>(3);
    if (!deviceModelGone) {
      left.add("device model of " + id + " (killed, not yet reaped)");
    }
    if (!entriesGone) {
      left.add("entries " + id.storePath());
    }
    left.add("id " + id.value());
    creator.ids.idle(id); // what is left may be destroyed again
    progress.accept(Progress.of("abandoned", "cleanup of " + id + " left " + String.join(", ", left)));
    ao.cancelled();
  }
}
