package org.asyncop.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncop.core.internal.EventLoop;
import org.jspecify.annotations.Nullable;

/**
 * What the context tracks per loop: its live top-level operations (an intrusive list, so beginning
 * an operation touches no shared structure and allocates nothing but, every 64 begins, the list's
 * head holder) and the begins on their way to it from other threads.
 *
 * <p>Begins from other threads reach the loop through an intrusive stack ({@link #arriving},
 * linked through the operations' own {@code nextLive}, unused until they are listed), drained by
 * one task for however many arrived meanwhile: a begin from outside costs one CAS and no task or
 * allocation of its own.
 *
 * <p>Close reaches a loop as a task ({@link #beginClose}); from then on the loop reports itself
 * quiescent, once, when no operation is live and no begin is pending.
 */
final class LoopState {
  /*
   * An operation's `listing` (loop-confined): NEW -> LISTED (add) -> GONE (remove), or NEW -> GONE
   * when its outcome is delivered before its begin's task arrives: the operation was handed to
   * the loop by another way than a task (a driver polling a shared structure) and ended there.
   * Then add() must not list it (it would stay listed forever) and remove() must not count it.
   */
  static final byte NEW = 0;
  static final byte LISTED = 1;
  static final byte GONE = 2;

  private static final int ANCHOR_USES = 64;

  final EventLoop loop;
  private final ContextImpl ctx;
  /**
   * Begins from other threads that passed the open check and are not yet linked. Incremented
   * before the closing flag is read, so that close (which sets the flag and then reads this) and
   * begin cannot both miss each other.
   */
  final AtomicInteger pendingBegins = new AtomicInteger();
  /** Operations begun on other threads and not yet listed, newest first; null when none. */
  private final AtomicReference<@Nullable AoImpl<?>> arriving = new AtomicReference<>();
  private final Runnable listArrived = this::listArrived;

  // ---- confined to the loop ----
  /**
   * Holds the list's head, the newest listed operation. The head changes at every begin on the
   * loop, and storing a new operation into this long-lived object would take the slow path of
   * G1's card-marking barrier each time (a StoreLoad fence; see LocalQueue): so the head is kept
   * in a small young holder, replaced every {@link #ANCHOR_USES} adds.
   */
  private Anchor anchor = new Anchor();
  /** Adds since {@code anchor} was made. */
  private int anchorUses;
  private int live;
  private boolean closing;
  private boolean quiescent;

  LoopState(EventLoop loop, ContextImpl ctx) {
    this.loop = loop;
    this.ctx = ctx;
  }

  /**
   * Any thread: hands an operation begun off the loop (and counted in {@link #pendingBegins}) to
   * the loop, which lists it.
   */
  void arrive(AoImpl<?> ao) {
    for (; ; ) {
      AoImpl<?> h = arriving.get();
      ao.nextLive = h; // published by the CAS, read back by listArrived after its getAndSet
      if (arriving.compareAndSet(h, ao)) {
        if (h == null) { // the first since the last drain: schedule one
          loop.execute(listArrived);
        }
        return;
      }
    }
  }

  /** Loop: lists every operation that arrived since the last drain. */
  private void listArrived() {
    AoImpl<?> a = arriving.getAndSet(null);
    int n = 0;
    while (a != null) {
      AoImpl<?> next = a.nextLive;
      a.nextLive = null;
      a.arrived();
      add(a);
      n++;
      a = next;
    }
    // only now: a quiescence check inside add() must still count those not yet listed
    pendingBegins.addAndGet(-n);
    checkQuiescent();
  }

  /** Loop: an operation begun on this loop, or arriving from a pending begin. */
  void add(AoImpl<?> ao) {
    if (ao.listing == GONE) {
      checkQuiescent(); // its pending begin is no longer pending
      return;
    }
    ao.listing = LISTED;
    Anchor a = freshAnchor();
    AoImpl<?> h = a.head;
    ao.nextLive = h;
    if (h != null) {
      h.prevLive = ao;
    }
    a.head = ao;
    live++;
    if (closing) {
      ao.cancel(); // it raced the close: it is cancelled, never left behind
    }
  }

  /** Loop: the operation's outcome was delivered. */
  void remove(AoImpl<?> ao) {
    boolean listed = ao.listing == LISTED;
    ao.listing = GONE;
    if (!listed) {
      return; // add() will see it is gone; until then its begin counts as pending
    }
    AoImpl<?> p = ao.prevLive;
    AoImpl<?> n = ao.nextLive;
    if (p != null) {
      p.nextLive = n;
    } else if (anchor.head == ao) {
      anchor.head = n;
    }
    if (n != null) {
      n.prevLive = p;
    }
    ao.prevLive = null;
    ao.nextLive = null;
    live--;
    checkQuiescent();
  }

  /** Loop: the anchor, replaced by a new one after {@link #ANCHOR_USES} adds. */
  private Anchor freshAnchor() {
    Anchor a = anchor;
    if (++anchorUses < ANCHOR_USES) {
      return a;
    }
    anchorUses = 0;
    Anchor b = new Anchor();
    b.head = a.head;
    a.head = null; // an old anchor that was promoted must not keep young operations alive
    anchor = b;
    return b;
  }

  /** Loop: close has begun; cancel everything live. */
  void beginClose() {
    closing = true;
    for (AoImpl<?> a = anchor.head; a != null; a = a.nextLive) {
      a.cancel();
    }
    checkQuiescent();
  }

  /** Loop: {@code ContextImpl.close(Duration)} ran out of time; force what is left. */
  void cancelNowAll() {
    for (AoImpl<?> a = anchor.head; a != null; a = a.nextLive) {
      a.cancelNow();
    }
  }

  /** Loop: tells the context once that nothing is left here. */
  void checkQuiescent() {
    if (closing && !quiescent && live == 0 && pendingBegins.get() == 0) {
      quiescent = true;
      ctx.loopQuiescent();
    }
  }

  /** Loop: snapshot of what is live. */
  List<AoInfo> snapshot() {
    List<AoInfo> out = new ArrayList<>(live);
    for (AoImpl<?> a = anchor.head; a != null; a = a.nextLive) {
      out.add(a.info());
    }
    return out;
  }

  /** The list's head, in an object of its own: see {@code anchor}. */
  private static final class Anchor {
    @Nullable AoImpl<?> head;
  }
}
