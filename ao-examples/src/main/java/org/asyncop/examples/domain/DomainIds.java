package org.asyncop.examples.domain;

import java.util.BitSet;
import java.util.Optional;

/** Reserves and releases domain numbers. Thread-safe; called from loops, never blocks long. */
final class DomainIds {
  private final BitSet used = new BitSet();
  private final int max;

  DomainIds(int max) {
    this.max = max;
  }

  /** The lowest free number, now reserved; empty when all {@code max} are in use. */
  synchronized Optional<DomainId> reserve() {
    int n = used.nextClearBit(1);
    if (n > max) {
      return Optional.empty();
    }
    used.set(n);
    return Optional.of(new DomainId(n));
  }

  synchronized void release(DomainId id) {
    used.clear(id.value());
  }

  synchronized boolean isReserved(DomainId id) {
    return used.get(id.value());
  }

  synchronized int reserved() {
    return used.cardinality();
  }
}
