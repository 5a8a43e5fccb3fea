/**
 * Named supervised services, as N2O's {@code n2o_async} on top of OTP supervisors.
 *
 * <p>A {@link org.asyncop.supervise.Supervisor} is itself an operation. It owns long-running
 * services keyed by class and name ({@link org.asyncop.supervise.ServiceKey}); each service is an
 * operation of its own, begun by its {@link org.asyncop.supervise.ServiceFactory} on the
 * supervisor's loop, receiving messages there in order ({@link org.asyncop.supervise.Service}).
 * When a service ends, its {@link org.asyncop.supervise.RestartPolicy} decides whether it starts
 * again, after an exponential backoff; more restarts than the supervisor's intensity limit allows
 * within its period make the supervisor stop every service and fail with the cause. A service
 * stopped by request is never restarted. Stopping the supervisor stops its services one by one,
 * last started first, each waited for.
 */
@NullMarked
package org.asyncop.supervise;

import org.jspecify.annotations.NullMarked;
