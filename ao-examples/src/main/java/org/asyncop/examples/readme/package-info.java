/** The code shown in README.md, compiled and tested so that the README cannot drift from it. */
@NullMarked
package org.asyncop.examples.readme;

import org.jspecify.annotations.NullMarked;
