/** Native machinery of ao-process (C library bindings, the spawner, the group sweep); not API. */
@NullMarked
package org.asyncop.process.internal;

import org.jspecify.annotations.NullMarked;
