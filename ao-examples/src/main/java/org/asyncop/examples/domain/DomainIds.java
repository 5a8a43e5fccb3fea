package org.asyncop.examples.domain;

import java.util.BitSet;
import java.util.Optional;

/**
 * Reserves and releases domain numbers. Thread-safe; called from loops, never blocks long.
 *
 * <p>A reserved number is busy while an operation works on it (its creation, then a destruction)
 * and idle in between (a domain made, or kept after a cancel, or left by an abandoned cleanup):
 * only an idle one may be claimed for a destruction, so that no two operations ever remove the
 * same entries or release the same number.
 */
final class DomainIds {
  private final BitSet used = new BitSet();
  /** Subset of {@code used}. */
  private final BitSet busy = new BitSet();
  private final int max;

  DomainIds(int max) {
    this.max = max;
  }

  /** The lowest free number, now reserved and busy; empty when all {@code max} are in use. */
  synchronized Optional<DomainId> reserve() {
    int n = used.nextClearBit(1);
    if (n > max) {
      return Optional.empty();
    }
    used.set(n);
    busy.set(n);
    return Optional.of(new DomainId(n));
  }

  /** Makes a reserved, idle {@code id} busy; false if it is free or busy already. */
  synchronized boolean claim(DomainId id) {
    if (!used.get(id.value()) || busy.get(id.value())) {
      return false;
    }
    busy.set(id.value());
    return true;
  }

  /** The operation working on {@code id} has ended and left it reserved. */
  synchronized void idle(DomainId id) {
    busy.clear(id.value());
  }

  synchronized void release(DomainId id) {
    used.clear(id.value());
    busy.clear(id.value());
  }

  synchronized boolean isReserved(DomainId id) {
    return used.get(id.value());
  }

  synchronized int reserved() {
    return used.cardinality();
  }
}
