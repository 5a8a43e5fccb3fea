package org.asyncop.core;

import java.time.Duration;

/**
 * A snapshot of one live operation, for finding what holds up a close.
 *
 * @param name the name given through {@link AoHow#named(String)}, or a generated one
 * @param state RUNNING, CANCELLING, COMPLETING (completed, waiting for resources to be released)
 *     or COMPLETED (released, its outcome being handed over)
 * @param age how long ago the operation began
 * @param pendingRegistrations hooks and resources still registered on it
 */
public record AoInfo(String name, String state, Duration age, int pendingRegistrations) {}
