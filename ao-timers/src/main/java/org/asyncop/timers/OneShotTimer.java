package org.asyncop.timers;

import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.Rc;

/**
 * A timer that calls its callback once: with its expiry code when it runs out, with CANCEL when
 * its operation ends first. The two kinds are subclasses rather than a flag so that a pending
 * timer stays at 48 bytes, its hook included.
 */
abstract class OneShotTimer extends Timer {
  private final Consumer<Rc> callback;

  OneShotTimer(Ao<?> ao, Consumer<Rc> callback) {
    super(ao);
    this.callback = callback;
  }

  /** What the callback gets when the time runs out. */
  abstract Rc expiryRc();

  @Override
  final void expired() {
    call(callback, expiryRc());
  }

  @Override
  final void aoCancelled() {
    call(callback, Rc.CANCEL);
  }

  /** {@link Timers#timeout}: FAIL when it runs out. */
  static final class Timeout extends OneShotTimer {
    Timeout(Ao<?> ao, Consumer<Rc> callback) {
      super(ao, callback);
    }

    @Override
    Rc expiryRc() {
      return Rc.FAIL;
    }
  }

  /** {@link Timers#sleep}: OK when it runs out. */
  static final class Sleep extends OneShotTimer {
    Sleep(Ao<?> ao, Consumer<Rc> callback) {
      super(ao, callback);
    }

    @Override
    Rc expiryRc() {
      return Rc.OK;
    }
  }
}
