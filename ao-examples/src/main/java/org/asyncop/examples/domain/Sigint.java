package org.asyncop.examples.domain;

import java.lang.reflect.Proxy;

/**
 * Ctrl-C for the command line. The JDK's only hook for a signal that does not end the JVM is
 * {@code sun.misc.Signal} (module jdk.unsupported); it is reached by reflection so that the build
 * keeps {@code -Werror} (a direct use draws a warning that cannot be suppressed).
 */
final class Sigint {
  private Sigint() {}

  /**
   * Runs {@code handler} on a JVM signal thread at each SIGINT instead of exiting.
   *
   * @return false if the JVM offers no such hook (then Ctrl-C ends the process as usual)
   */
  static boolean handle(Runnable handler) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object sigint = signal.getConstructor(String.class).newInstance("INT");
      Object proxy = Proxy.newProxyInstance(handlerType.getClassLoader(),
          new Class<?>[] {handlerType}, (self, method, args) -> switch (method.getName()) {
            case "handle" -> {
              handler.run();
              yield null;
            }
            case "hashCode" -> System.identityHashCode(self);
            case "equals" -> self == args[0];
            default -> "SIGINT handler";
          });
      signal.getMethod("handle", signal, handlerType).invoke(null, sigint, proxy);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
