package org.asyncop.core;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import org.jspecify.annotations.Nullable;

/**
 * A detachable handle. It refers to its operation until closed; the operation never refers to it,
 * so a forgotten handle pins nothing but the operation it names. In a strict context, a {@link
 * Cleaner} reports a handle that became unreachable without being closed.
 */
final class HandleImpl implements CancelHandle {
  private volatile @Nullable AoImpl<?> ao;
  private final Cleaner.@Nullable Cleanable cleanable;
  private final @Nullable LeakCheck leak;

  HandleImpl(AoImpl<?> ao, ContextImpl ctx) {
    this.ao = ao;
    if (ctx.strict()) {
      leak = new LeakCheck(ao.name(), ctx);
      cleanable = StrictCleaner.CLEANER.register(this, leak);
    } else {
      leak = null;
      cleanable = null;
    }
  }

  @Override
  public boolean cancel() {
    AoImpl<?> a = ao;
    return a != null && a.cancel();
  }

  @Override
  public boolean cancelNow() {
    AoImpl<?> a = ao;
    return a != null && a.cancelNow();
  }

  @Override
  public boolean isDone() {
    AoImpl<?> a = ao;
    return a == null || a.isDone();
  }

  @Override
  public void close() {
    ao = null;
    if (leak != null && cleanable != null) {
      leak.closed = true;
      cleanable.clean();
      // this handle must stay reachable until `closed` is written: collected inside close() (its
      // last use), the cleaner could run first and report a handle that was closed
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public String toString() {
    AoImpl<?> a = ao;
    return "CancelHandle[" + (a == null ? "closed" : a.toString()) + "]";
  }

  /** Runs when the handle is closed or collected; reports only the latter. No reference to it. */
  private static final class LeakCheck implements Runnable {
    private final String name;
    private final ContextImpl ctx;
    volatile boolean closed;

    LeakCheck(String name, ContextImpl ctx) {
      this.name = name;
      this.ctx = ctx;
    }

    @Override
    public void run() {
      if (!closed) {
        ctx.reportLeak("a CancelHandle of " + name + " was garbage collected without close()");
      }
    }
  }

  /** One cleaner thread for the JVM, started only when a strict context makes its first handle. */
  private static final class StrictCleaner {
    static final Cleaner CLEANER = Cleaner.create();
  }
}
