package org.asyncop.watch;

/**
 * A store could not do what it was asked at run time: the folder is unreadable, the ZooKeeper
 * ensemble cannot be reached. {@link Watches} turns it into a FAIL outcome with this as the cause.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message and the underlying cause. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** With a message only. */
  public StoreException(String message) {
    super(message);
  }
}
