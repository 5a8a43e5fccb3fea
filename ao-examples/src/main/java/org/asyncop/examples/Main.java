package org.asyncop.examples;

import java.util.Arrays;
import java.util.List;
import org.asyncop.examples.domain.CreateCommand;
import org.asyncop.process.ChildProcesses;

/**
 * The command line of {@code ao-examples.jar}: {@code create} (the default) runs the
 * domain-creation workflow; see {@code create --help}. The other examples have mains of their own,
 * named in their packages' documentation.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    List<String> a = Arrays.asList(args);
    if (!a.isEmpty() && !a.get(0).startsWith("-")) {
      if (!a.get(0).equals("create")) {
        System.err.println("unknown command '" + a.get(0) + "'; the command is: create (see create --help)");
        System.exit(2);
      }
      a = a.subList(1, a.size());
    }
    // This JVM is the device models' parent: as a subreaper it also reaps what they started once
    // that is killed with their group, instead of leaving it to PID 1 (which in a container may
    // never reap). It changes the whole process, which here is ours alone.
    ChildProcesses.becomeSubreaper();
    System.exit(CreateCommand.run(a, System.out, System.err));
  }
}
