package org.asyncop.timers;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Consumer;
import org.asyncop.core.Ao;
import org.asyncop.core.AoContext;
import org.asyncop.core.Rc;
import org.asyncop.core.Registration;

/**
 * The timers of one {@link AoContext}: timeouts, sleeps, periodic timers and deadlines, each bound
 * to an operation.
 *
 * <p>Every timer pushes a cancel hook on its operation ({@link
 * Ao#onCancel(org.asyncop.core.HookNode)}); a cancel of the operation, its completion, or the close
 * of the context runs that hook, which stops the timer. The hook is removed when the timer fires
 * or is closed, so timers that come and go leave nothing on the operation. A timer is its own hook
 * ({@link org.asyncop.core.HookNode}): a pending timeout, sleep or deadline is one object of 48
 * bytes, hook included.
 *
 * <p>Threads. Every method is safe from any thread. Called on the operation's own loop, it
 * schedules at once with no hand-off; from another thread it posts the scheduling to that loop,
 * measuring the delay from the call. Callbacks run on the operation's loop, never inside the call
 * that made the timer. A timer never fires before it is due, and fires to within the wheel's
 * resolution (about 0.26 ms) once the loop is free.
 *
 * <p>When. Set on its operation's loop, a timer reads no clock: its delay is counted from the
 * loop's next clock reading, taken when the loop has finished its current batch of tasks (or once
 * 64 more timers were set on the loop, if sooner). That reading comes after the call, so the timer
 * is never early; it may be late by the time from the call to that reading: the rest of the
 * batch, usually microseconds, but as long as the task that set the timer then keeps the loop
 * busy (a task that sets a timeout, then computes for 5 ms, moves the timeout's end 5 ms later).
 * Set from another thread, the delay counts from the call. Periodic timers count their periods
 * from their first planned time, read at the call, so nothing accumulates. Timers due at
 * different ticks fire in the order of their deadlines. A callback that throws is logged; the loop
 * goes on.
 *
 * <p>Closing the returned {@link Registration} before the timer's end removes the timer and its
 * hook, and nothing more is called (if the callback is running on the loop at that moment, it
 * finishes). Closing after the end does nothing.
 *
 * <p>Memory: a scheduled timer is unlinked from its wheel as soon as it fires or is closed, so a
 * cancelled timer holds no memory.
 */
public interface Timers {

  /**
   * The timers of {@code ctx}, attached on first use and released by the context's close.
   *
   * @throws NullPointerException if {@code ctx} is null
   * @throws IllegalStateException if the context has stopped
   */
  static Timers of(AoContext ctx) {
    requireNonNull(ctx, "ctx");
    return ctx.service(TimersService.class, TimersService::new).checkNotStopped();
  }

  /**
   * Bounds a step of {@code ao} by time. {@code callback} is called exactly once, on the ao's
   * loop: with {@link Rc#FAIL} when {@code after} has passed, or with {@link Rc#CANCEL} when the
   * ao is cancelled or completes first (at once, after the current loop task, when that has
   * already happened). Closing the registration before either removes the timer and its hook, and
   * the callback is never called.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code after} is negative, or {@code ao} belongs to
   *     another context
   * @throws IllegalStateException if the context has stopped
   */
  Registration timeout(Ao<?> ao, Duration after, Consumer<Rc> callback);

  /**
   * Waits on behalf of {@code ao}. {@code callback} is called exactly once, on the ao's loop: with
   * {@link Rc#OK} when {@code d} has passed, or with {@link Rc#CANCEL} when the ao is cancelled or
   * completes first. Closing the registration before either removes the timer and its hook, and
   * the callback is never called.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code d} is negative, or {@code ao} belongs to another
   *     context
   * @throws IllegalStateException if the context has stopped
   */
  Registration sleep(Ao<?> ao, Duration d, Consumer<Rc> callback);

  /**
   * A periodic timer: {@code callback} gets {@link Rc#OK} on the ao's loop at {@code period},
   * {@code 2 * period}, ... after the call, each time scheduled from the planned time (no drift);
   * period starts missed while the loop or the callback was held up become one late call, not a
   * burst, and the ones after stay on phase. When the ao is cancelled or completes, it gets {@link
   * Rc#CANCEL} once, and nothing after. Closing the registration stops it without a further call.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is zero or negative, or {@code ao} belongs
   *     to another context
   * @throws IllegalStateException if the context has stopped
   */
  Registration every(Ao<?> ao, Duration period, Consumer<Rc> callback);

  /**
   * Bounds the whole of {@code ao}: when {@code d} has passed, the ao is cancelled with {@code
   * ao.cancel(new TimeoutException(...))}, so an ao that then ends with {@link Ao#cancelled()}
   * carries that reason. The deadline is removed when the ao is cancelled otherwise or completes,
   * or when the registration is closed. On a shielded cleanup child ({@link Ao#nestShielded}) it
   * bounds the cleanup.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code d} is negative, or {@code ao} belongs to another
   *     context
   * @throws IllegalStateException if the context has stopped
   */
  Registration deadline(Ao<?> ao, Duration d);
}
