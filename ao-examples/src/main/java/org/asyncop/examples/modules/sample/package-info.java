/**
 * Sample modules for {@link org.asyncop.examples.modules.ModuleHost}. The host defines this
 * package in each module's own class loader, so these classes go away when the module is
 * unloaded.
 */
@NullMarked
package org.asyncop.examples.modules.sample;

import org.jspecify.annotations.NullMarked;
