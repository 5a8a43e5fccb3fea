package org.asyncop.core;

/** Plain threads for the model-checking tests, whose scenarios start and join their own. */
final class TestThreads {
  private TestThreads() {}

  static Thread start(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  static void join(Thread... ts) {
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
