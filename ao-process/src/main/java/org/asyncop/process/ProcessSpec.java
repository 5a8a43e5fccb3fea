package org.asyncop.process;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.asyncop.core.Checks;
import org.jspecify.annotations.Nullable;

/**
 * What to run and how: the command (program and arguments), its environment, working directory,
 * standard streams, and how a cancel stops it. Immutable; build one with {@link #of} or {@link
 * #builder()}.
 *
 * <p>The program is looked up in the JVM's {@code PATH} when it contains no slash (posix_spawnp);
 * a relative path with a slash is resolved against the working directory.
 */
public final class ProcessSpec {
  /** How long a child's pipes may stay open after it exited, unless the spec says otherwise. */
  public static final Duration DEFAULT_OUTPUT_WAIT = Duration.ofSeconds(1);

  final List<String> command;
  final boolean inheritEnv;
  final Map<String, String> env;
  final @Nullable Path directory;
  final Stdin stdin;
  final Output stdout;
  final Output stderr;
  final KillPolicy killPolicy;
  final Duration outputWait;
  final boolean killGroupOnExit;
  final NativeCommand nativeCommand;

  private ProcessSpec(Builder b) {
    this.command = requireNonNull(b.command, "command");
    this.inheritEnv = b.inheritEnv;
    this.env = Map.copyOf(b.env);
    this.directory = b.directory;
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.killPolicy = b.killPolicy;
    this.outputWait = b.outputWait;
    this.killGroupOnExit = b.killGroupOnExit;
    this.nativeCommand = NativeCommand.of(command, inheritEnv, env);
  }

  /**
   * A spec with every default: inherited environment, the JVM's working directory, stdin empty,
   * stdout and stderr discarded, SIGKILL on cancel.
   *
   * @throws NullPointerException if {@code command} or one of its elements is null
   * @throws IllegalArgumentException if {@code command} is empty or its program is empty
   */
  public static ProcessSpec of(String... command) {
    requireNonNull(command, "command");
    return builder().command(Arrays.asList(command)).build();
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The program and its arguments. */
  public List<String> command() {
    return command;
  }

  /** The program: the first element of the command. */
  public String program() {
    return command.get(0);
  }

  /** The environment the child gets: the JVM's (if inherited) with this spec's entries over it. */
  public Map<String, String> environment() {
    return inheritEnv ? overlay(System.getenv(), env) : env;
  }

  /** {@code base} with {@code over}'s entries put over it. */
  static Map<String, String> overlay(Map<String, String> base, Map<String, String> over) {
    Map<String, String> all = new LinkedHashMap<>(base);
    all.putAll(over);
    return all;
  }

  /** The working directory; null for the JVM's own. */
  public @Nullable Path directory() {
    return directory;
  }

  public Stdin stdin() {
    return stdin;
  }

  public Output stdout() {
    return stdout;
  }

  public Output stderr() {
    return stderr;
  }

  public KillPolicy killPolicy() {
    return killPolicy;
  }

  /** How long the captured pipes may stay open after the child exited before they are closed. */
  public Duration outputWait() {
    return outputWait;
  }

  /** Whether the rest of the child's process group is killed when the child exits on its own. */
  public boolean killGroupOnExit() {
    return killGroupOnExit;
  }

  @Override
  public String toString() {
    return "ProcessSpec" + command + (directory == null ? "" : " in " + directory)
        + ", stdin=" + stdin + ", stdout=" + stdout + ", stderr=" + stderr + ", " + killPolicy;
  }

  /** Builds a {@link ProcessSpec}. Not thread-safe; each setter replaces the earlier value. */
  public static final class Builder {
    private @Nullable List<String> command;
    private boolean inheritEnv = true;
    private final Map<String, String> env = new LinkedHashMap<>();
    private @Nullable Path directory;
    private Stdin stdin = Stdin.none();
    private Output stdout = Output.discard();
    private Output stderr = Output.discard();
    private KillPolicy killPolicy = KillPolicy.kill();
    private Duration outputWait = DEFAULT_OUTPUT_WAIT;
    private boolean killGroupOnExit = true;

    Builder() {}

    /**
     * The program and its arguments (required).
     *
     * @throws NullPointerException if {@code command} or one of its elements is null
     * @throws IllegalArgumentException if {@code command} is empty, its program is empty, or an
     *     element contains a NUL character
     */
    public Builder command(List<String> command) {
      requireNonNull(command, "command");
      List<String> copy = List.copyOf(command); // throws NPE on a null element
      if (copy.isEmpty()) {
        throw new IllegalArgumentException("command must not be empty");
      }
      if (copy.get(0).isEmpty()) {
        throw new IllegalArgumentException("command's program (element 0) must not be empty");
      }
      for (int i = 0; i < copy.size(); i++) {
        if (copy.get(i).indexOf('\0') >= 0) {
          throw new IllegalArgumentException("command element " + i + " contains a NUL character");
        }
      }
      this.command = copy;
      return this;
    }

    /** Like {@link #command(List)}. */
    public Builder command(String... command) {
      return command(Arrays.asList(requireNonNull(command, "command")));
    }

    /**
     * Adds (or overrides) one variable over the base environment.
     *
     * @throws NullPointerException if {@code name} or {@code value} is null
     * @throws IllegalArgumentException if {@code name} is empty or contains '=' or NUL, or
     *     {@code value} contains NUL
     */
    public Builder env(String name, String value) {
      requireNonNull(name, "name");
      requireNonNull(value, "value");
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "name must be non-empty without '=' or NUL, was '" + name + "'");
      }
      if (value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("value of " + name + " contains a NUL character");
      }
      env.put(name, value);
      return this;
    }

    /**
     * Adds (or overrides) variables over the base environment.
     *
     * @throws NullPointerException if {@code vars}, a name or a value is null
     * @throws IllegalArgumentException as {@link #env(String, String)}
     */
    public Builder env(Map<String, String> vars) {
      requireNonNull(vars, "vars").forEach(this::env);
      return this;
    }

    /**
     * Whether the base environment is the JVM's ({@code true}, the default) or empty; the variables
     * added with {@link #env} go over it either way.
     */
    public Builder inheritEnvironment(boolean inherit) {
      this.inheritEnv = inherit;
      return this;
    }

    /**
     * Replaces the environment: the child gets exactly {@code vars}.
     *
     * @throws NullPointerException if {@code vars}, a name or a value is null
     * @throws IllegalArgumentException as {@link #env(String, String)}
     */
    public Builder replaceEnvironment(Map<String, String> vars) {
      requireNonNull(vars, "vars");
      inheritEnv = false;
      env.clear();
      return env(vars);
    }

    /**
     * The working directory (default: the JVM's). A directory that does not exist fails the spawn.
     *
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder directory(Path directory) {
      this.directory = requireNonNull(directory, "directory");
      return this;
    }

    /** @throws NullPointerException if {@code stdin} is null */
    public Builder stdin(Stdin stdin) {
      this.stdin = requireNonNull(stdin, "stdin");
      return this;
    }

    /** @throws NullPointerException if {@code stdout} is null */
    public Builder stdout(Output stdout) {
      this.stdout = requireNonNull(stdout, "stdout");
      return this;
    }

    /** @throws NullPointerException if {@code stderr} is null */
    public Builder stderr(Output stderr) {
      this.stderr = requireNonNull(stderr, "stderr");
      return this;
    }

    /** @throws NullPointerException if {@code killPolicy} is null */
    public Builder killPolicy(KillPolicy killPolicy) {
      this.killPolicy = requireNonNull(killPolicy, "killPolicy");
      return this;
    }

    /**
     * How long captured or written pipes may stay open after the child exited (a background
     * process that left the group can hold them forever); then they are closed and {@link
     * ChildExit#pipesForceClosed()} says so. Default {@link #DEFAULT_OUTPUT_WAIT}.
     *
     * @throws NullPointerException if {@code outputWait} is null
     * @throws IllegalArgumentException if {@code outputWait} is negative
     */
    public Builder outputWait(Duration outputWait) {
      this.outputWait = Checks.nonNegative(outputWait, "outputWait");
      return this;
    }

    /**
     * Whether the rest of the child's process group gets SIGKILL when the child (the group's
     * leader) exits on its own: default true, so that no background process of the child outlives
     * it. The signal is sent while the exited leader is not yet reaped, so the group id cannot
     * belong to anyone else. Set false for a child that leaves helpers behind on purpose.
     */
    public Builder killGroupOnExit(boolean kill) {
      this.killGroupOnExit = kill;
      return this;
    }

    /**
     * @throws IllegalStateException if no command was given
     */
    public ProcessSpec build() {
      if (command == null) {
        throw new IllegalStateException("command was not set");
      }
      return new ProcessSpec(this);
    }
  }
}
