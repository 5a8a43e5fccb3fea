package org.asyncop.examples.modules;

import org.asyncop.core.Outcome;

/**
 * How the unload of a module went.
 *
 * <p>Drop the report when done with it: the exceptions in its outcome carry stack traces through
 * the module's code, which keep the module's classes (and class loader) alive while they are
 * held.
 *
 * @param name the module
 * @param outcome how its operation ended; {@link Outcome#abandoned()} names cleanup that a forced
 *     unload cut short
 * @param forced whether it did not finish within the host's bound and was forced
 */
public record UnloadReport(String name, Outcome<Void> outcome, boolean forced) {}
