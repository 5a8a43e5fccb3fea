package org.asyncop.core;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * How an operation ended: its {@link Rc}, its value or failure, the errors of cancel hooks that
 * threw, and the shielded cleanup that a forced cancel abandoned. Immutable.
 *
 * @param <T> the type of the value
 */
public final class Outcome<T> {
  private final Rc rc;
  private final @Nullable T value;
  private final @Nullable Throwable failure;
  private final List<Throwable> hookErrors;
  private final List<String> abandoned;

  private Outcome(
      Rc rc,
      @Nullable T value,
      @Nullable Throwable failure,
      List<Throwable> hookErrors,
      List<String> abandoned) {
    this.rc = rc;
    this.value = value;
    this.failure = failure;
    this.hookErrors = hookErrors;
    this.abandoned = abandoned;
  }

  /** An OK outcome carrying {@code value} (which may be null, as for a {@code Void} operation). */
  public static <T> Outcome<T> ok(@Nullable T value) {
    return new Outcome<>(Rc.OK, value, null, List.of(), List.of());
  }

  /**
   * A FAIL outcome.
   *
   * @throws NullPointerException if {@code cause} is null
   */
  public static <T> Outcome<T> failed(Throwable cause) {
    return new Outcome<>(Rc.FAIL, null, requireNonNull(cause, "cause"), List.of(), List.of());
  }

  /**
   * A CANCEL outcome; its {@link #failure()} is {@code reason}, or a plain {@link
   * CancellationException} when the reason is null.
   */
  public static <T> Outcome<T> cancelled(@Nullable Throwable reason) {
    return cancelled(reason, null);
  }

  /**
   * A CANCEL outcome that still carries a value: what the cancelled operation made and left to
   * the caller instead of destroying it (libxl's "skip the destruction and return the domid").
   * Its {@link #failure()} is as for {@link #cancelled(Throwable)}.
   */
  public static <T> Outcome<T> cancelled(@Nullable Throwable reason, @Nullable T kept) {
    Throwable why = reason != null ? reason : new NoReason();
    return new Outcome<>(Rc.CANCEL, kept, why, List.of(), List.of());
  }

  /**
   * The failure of a CANCEL outcome whose cancel gave no reason. It is made where the operation
   * reported {@code cancelled()}, usually a hook on the loop, so a stack trace would tell nothing
   * about who cancelled; filling one in was most of the CPU cost of a cancel.
   */
  private static final class NoReason extends CancellationException {
    private static final long serialVersionUID = 1L;

    NoReason() {
      super("cancelled");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /**
   * This outcome with hook errors and abandoned work added; used by the core when it delivers.
   */
  Outcome<T> with(List<Throwable> moreHookErrors, List<String> moreAbandoned) {
    if (moreHookErrors.isEmpty() && moreAbandoned.isEmpty()) {
      return this;
    }
    return new Outcome<>(
        rc, value, failure, concat(hookErrors, moreHookErrors), concat(abandoned, moreAbandoned));
  }

  private static <E> List<E> concat(List<E> a, List<E> b) {
    if (a.isEmpty()) {
      return List.copyOf(b);
    }
    var all = new java.util.ArrayList<E>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  /** OK, FAIL or CANCEL. */
  public Rc rc() {
    return rc;
  }

  /** Whether {@link #rc()} is {@link Rc#OK}. */
  public boolean isOk() {
    return rc == Rc.OK;
  }

  /**
   * The value of an OK outcome, or what a CANCEL outcome kept for the caller ({@link
   * Ao#cancelled(Object)}); null otherwise.
   */
  public @Nullable T value() {
    return value;
  }

  /**
   * The cause of a FAIL outcome, or the reason of a CANCEL outcome (a {@link
   * CancellationException} when the cancel gave none, a {@code TimeoutException} when a deadline
   * ended it); null for OK.
   */
  public @Nullable Throwable failure() {
    return failure;
  }

  /** Errors thrown by cancel hooks of the operation, in the order they ran; often empty. */
  public List<Throwable> hookErrors() {
    return hookErrors;
  }

  /**
   * Shielded cleanup that a forced cancel ({@link Ao#cancelNow()}) abandoned, each named by its
   * purpose; empty when all cleanup ran to its end.
   */
  public List<String> abandoned() {
    return abandoned;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Outcome[").append(rc);
    if (rc == Rc.OK || value != null) {
      sb.append(", value=").append(value);
    }
    if (rc != Rc.OK) {
      sb.append(", failure=").append(failure);
    }
    if (!hookErrors.isEmpty()) {
      sb.append(", hookErrors=").append(hookErrors);
    }
    if (!abandoned.isEmpty()) {
      sb.append(", abandoned=").append(abandoned);
    }
    return sb.append(']').toString();
  }
}
