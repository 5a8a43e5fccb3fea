/**
 * Machinery of ao-core: the event loop, serial delivery, logging. Not API: public only because
 * the API package uses it, and no other module may use it.
 */
@NullMarked
package org.asyncop.core.internal;

import org.jspecify.annotations.NullMarked;
