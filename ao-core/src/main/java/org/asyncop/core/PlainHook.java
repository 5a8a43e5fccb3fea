package org.asyncop.core;

/** A {@link CancelHook} pushed with {@link Ao#onCancel(CancelHook)} or {@link Ao#attach}. */
final class PlainHook extends HookNode {
  private final CancelHook hook;

  PlainHook(AoImpl<?> ao, CancelHook hook, boolean attached) {
    super(ao, attached);
    this.hook = hook;
  }

  @Override
  protected void cancel() throws Exception {
    hook.cancel();
  }

  @Override
  public String toString() {
    return "PlainHook[" + stateName() + (has(ATTACHED) ? ", attached" : "") + ", hook=" + hook
        + "]";
  }
}
