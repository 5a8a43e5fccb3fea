package org.asyncop.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.ffi.Pointer;
import org.asyncop.process.internal.CStringArray;

/**
 * A spec's argv and envp in native memory, built once when the spec is built (see {@link
 * CStringArray} for why) and read-only after. A spec that inherits the JVM's environment
 * unchanged shares one envp with every other such spec.
 */
final class NativeCommand {
  final Pointer argv;
  final Pointer envp;

  private NativeCommand(Pointer argv, Pointer envp) {
    this.argv = argv;
    this.envp = envp;
  }

  static NativeCommand of(List<String> command, boolean inheritEnv, Map<String, String> env) {
    Pointer envp;
    if (inheritEnv && env.isEmpty()) {
      envp = InheritedEnv.ENVP;
    } else {
      Map<String, String> all = inheritEnv ? ProcessSpec.overlay(System.getenv(), env) : env;
      envp = CStringArray.of(entries(all));
    }
    return new NativeCommand(CStringArray.of(command), envp);
  }

  /** The JVM's environment as envp; it never changes while the JVM runs. */
  private static final class InheritedEnv {
    static final Pointer ENVP = CStringArray.of(entries(System.getenv()));
  }

  private static List<String> entries(Map<String, String> env) {
    List<String> out = new ArrayList<>(env.size());
    env.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }
}
