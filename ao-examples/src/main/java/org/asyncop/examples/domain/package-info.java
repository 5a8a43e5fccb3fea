/**
 * The flagship example: creating a domain (a virtual machine, as in Xen's libxl) as one
 * cancellable operation made of a store write, a timed build step, a real child process and a
 * watch across the process boundary; destroyed again in shielded cleanup when it fails or is
 * cancelled.
 *
 * <p>Start at {@link org.asyncop.examples.domain.DomainCreator}; the command line is {@link
 * org.asyncop.examples.domain.CreateCommand}.
 */
@NullMarked
package org.asyncop.examples.domain;

import org.jspecify.annotations.NullMarked;
