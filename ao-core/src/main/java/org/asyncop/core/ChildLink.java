package org.asyncop.core;

/**
 * The registration of a nested operation on its parent. A plain cancel of the parent cancels the
 * child unless it is shielded (a shielded one nested after the parent's outcome was delivered is
 * cancelled too: nothing waits for it any more); a forced cancel reaches every child, and records
 * the purpose of a shielded one as abandoned. Released when the child's outcome has been handed to
 * the parent.
 */
final class ChildLink extends HookNode {
  final AoImpl<?> child;
  final boolean shielded;
  final String purpose;

  ChildLink(AoImpl<?> parent, AoImpl<?> child, boolean shielded, String purpose) {
    super(parent, true);
    this.child = child;
    this.shielded = shielded;
    this.purpose = purpose;
  }

  @Override
  void fire(boolean forced) {
    if (forced) {
      if (child.cancelNow() && shielded) {
        ao.abandoned(purpose);
      }
    } else if (!shielded || ao.handedOver()) { // a delivered parent cannot wait for it any more
      child.cancel();
    }
  }

  /** A plain cancel; the loop goes through {@link #fire}, which also knows a forced one. */
  @Override
  protected void cancel() {
    fire(false);
  }

  @Override
  public String toString() {
    return "ChildLink[" + purpose + (shielded ? ", shielded" : "") + ", " + child + "]";
  }
}
