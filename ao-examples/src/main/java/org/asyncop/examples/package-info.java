/**
 * The command line of {@code ao-examples.jar} ({@link org.asyncop.examples.Main}); the examples
 * themselves are in the sub-packages.
 */
@NullMarked
package org.asyncop.examples;

import org.jspecify.annotations.NullMarked;
