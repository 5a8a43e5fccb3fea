package org.asyncop.examples.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Outcome;
import org.asyncop.process.Child;
import org.asyncop.process.ChildExit;
import org.jspecify.annotations.Nullable;

/**
 * A domain whose device model has been started: an operation of its own that lives as long as
 * the device model runs, beyond the creation that started it. Cancelling it kills the device
 * model's process group; it ends once the child is reaped. Confined to its loop, except {@link
 * #isEnded} and {@link #whenEnded}, which a destruction begun on another loop of a multi-loop
 * context calls.
 */
final class Domain {
  final DomainId id;
  final Ao<Void> ao;
  private volatile @Nullable Child deviceModel; // volatile: toString and pid are read anywhere
  private @Nullable Consumer<ChildExit> exitListener;
  private final List<Runnable> endListeners = new ArrayList<>(1);
  private volatile boolean ended;

  Domain(DomainId id, Ao<Void> ao) {
    this.id = id;
    this.ao = ao;
  }

  void started(Child deviceModel) {
    this.deviceModel = deviceModel;
  }

  /** The pid of the device model, or -1 if it did not start. */
  int deviceModelPid() {
    Child c = deviceModel;
    return c == null ? -1 : c.pid();
  }

  /** Who hears the device model exit on its own while the domain is being created. */
  void onDeviceModelExit(@Nullable Consumer<ChildExit> listener) {
    this.exitListener = listener;
  }

  /** The device model's exit, on the loop: the domain ends with it. */
  void deviceModelExited(ChildExit exit) {
    Consumer<ChildExit> l = exitListener;
    if (l != null) {
      l.accept(exit);
    }
    if (ao.isDone()) {
      return;
    }
    switch (exit.rc()) {
      case CANCEL -> ao.cancelled();
      case OK, FAIL -> ao.fail(new IllegalStateException("device model of " + id + " ended: " + exit));
    }
  }

  /** The domain's operation delivered its outcome: nothing of it runs any more. */
  void ended(Outcome<Void> outcome) {
    ended = true;
    for (Runnable r : endListeners) {
      r.run();
    }
    endListeners.clear();
  }

  /** Any thread: whether the domain's outcome was delivered (false may be a task late). */
  boolean isEnded() {
    return ended;
  }

  /**
   * Any thread: hands {@code r} to {@code where} once the domain has ended (at once, if it has).
   * The listeners are kept on the domain's loop, whichever loop the caller runs on.
   */
  void whenEnded(Executor where, Runnable r) {
    ao.execute(() -> {
      if (ended) {
        where.execute(r);
      } else {
        endListeners.add(() -> where.execute(r));
      }
    });
  }

  @Override
  public String toString() {
    return id + (ended ? " (ended)" : ", device model pid " + deviceModelPid());
  }
}
