package org.asyncop.examples.modules;

import java.io.IOException;
import java.io.InputStream;

/*
 * The class loader of one module: classes of the module's package (and its subpackages) are
 * defined here, from the bytes the parent finds, so that they belong to this loader alone and go
 * away with it; every other class (the Module interface, the core, the JDK) comes from the parent,
 * so that the host and the module agree on them. Child-first for one package, parent-first for the
 * rest.
 */
final class ModuleLoader extends ClassLoader {
  private final String prefix;

  ModuleLoader(String moduleName, String packageName, ClassLoader parent) {
    super("module " + moduleName, parent);
    this.prefix = packageName + ".";
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (!name.startsWith(prefix)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        c = define(name);
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  private Class<?> define(String name) throws ClassNotFoundException {
    String resource = name.replace('.', '/') + ".class";
    try (InputStream in = getParent().getResourceAsStream(resource)) {
      if (in == null) {
        throw new ClassNotFoundException(name);
      }
      byte[] bytes = in.readAllBytes();
      return defineClass(name, bytes, 0, bytes.length);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }
}
