package org.asyncop.core;

/** How an operation, or one of its steps, ended. */
public enum Rc {
  /** It did what it was asked. */
  OK,
  /** It failed; the outcome carries the cause. */
  FAIL,
  /** It was cancelled before it could finish. */
  CANCEL
}
