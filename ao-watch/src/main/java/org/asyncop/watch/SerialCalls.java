package org.asyncop.watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * Runs the listener calls of one {@link ZkWatch} one at a time, in the order they were handed in,
 * without making any thread wait for another's call: a thread that hands in a call while none is
 * running runs it, and then every call handed in meanwhile; a thread that hands in a call while
 * one is running (on another thread, or further up its own stack) leaves it queued and returns.
 * So a listener may call into the store, which may wait for the store's admin thread, while that
 * thread hands this watch another call, without either waiting for the other.
 *
 * <p>Each call happens-before the next. A call handed in is run exactly once, unless one that
 * runs before it throws (the calls catch what user code throws; only a fatal error escapes),
 * which leaves it queued for the next {@link #run}.
 */
final class SerialCalls {
  /*
   * drainer, by CAS: null (idle) -> the thread running the queued calls -> null; repeatable.
   * Invariant: no call stays queued while the drainer is null. run() queues its call before it
   * tries to become the drainer; the drainer, once the queue is empty, steps down and looks at the
   * queue again: a call queued after its last poll either sees it stepped down (and drains itself)
   * or is seen by it. Both steps are volatile (sequentially consistent), so that the two threads
   * cannot each miss the other's write.
   */
  private static final VarHandle DRAINER;

  static {
    try {
      DRAINER = MethodHandles.lookup().findVarHandle(SerialCalls.class, "drainer", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private volatile @Nullable Thread drainer;

  /** Any thread: runs {@code call} after those handed in before it, here or on the running thread. */
  void run(Runnable call) {
    queue.add(call);
    Thread me = Thread.currentThread();
    while (!queue.isEmpty() && DRAINER.compareAndSet(this, null, me)) {
      try {
        for (Runnable c; (c = queue.poll()) != null; ) {
          c.run();
        }
      } finally {
        drainer = null; // volatile, before the loop reads the queue again (see above)
      }
    }
  }

  /** Whether {@code t} is running this watch's calls now (a call it queues runs after it returns). */
  boolean runningOn(Thread t) {
    return drainer == t;
  }

  @Override
  public String toString() {
    Thread d = drainer;
    return "SerialCalls[queued=" + queue.size() + (d == null ? "" : ", running on " + d.getName()) + "]";
  }
}
