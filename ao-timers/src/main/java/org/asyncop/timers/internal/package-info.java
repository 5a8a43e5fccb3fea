/** Machinery of the timers: the passive timing wheel. Not API. */
@NullMarked
package org.asyncop.timers.internal;

import org.jspecify.annotations.NullMarked;
