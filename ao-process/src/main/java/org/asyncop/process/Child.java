package org.asyncop.process;

/**
 * A child process started by {@link ChildProcesses#spawn}. Its end is reported once, as a {@link
 * ChildExit}, to the callback given to spawn. Safe to use from any thread.
 */
public interface Child {
  /**
   * The process id, which is also its process group id; -1 when the spawn failed or was skipped
   * because the operation was already cancelled (the {@link ChildExit} says which). Once the
   * child's exit was reported the id may belong to another process: do not signal it.
   */
  int pid();

  /** Whether the child's exit has been reported (its callback has run or is running). */
  boolean isDone();
}
