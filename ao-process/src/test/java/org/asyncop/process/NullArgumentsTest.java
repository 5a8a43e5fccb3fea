package org.asyncop.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every public entry point of the spec types rejects null, naming the argument. */
class NullArgumentsTest {
  @Test
  void specTypesRejectNullsNamingTheArgument() {
    Map<String, Executable> calls = new LinkedHashMap<>();
    calls.put("text", () -> Stdin.of(null));
    calls.put("file", () -> Stdin.file(null));
    calls.put("file ", () -> Output.file(null));
    calls.put("file  ", () -> Output.append(null));
    calls.put("grace", () -> KillPolicy.termThenKill(null));
    calls.put("command", () -> ProcessSpec.builder().command((java.util.List<String>) null));
    calls.put("name", () -> ProcessSpec.builder().env(null, "v"));
    calls.put("value", () -> ProcessSpec.builder().env("n", null));
    calls.put("vars", () -> ProcessSpec.builder().env(null));
    calls.put("vars ", () -> ProcessSpec.builder().replaceEnvironment(null));
    calls.put("directory", () -> ProcessSpec.builder().directory(null));
    calls.put("stdin", () -> ProcessSpec.builder().stdin(null));
    calls.put("stdout", () -> ProcessSpec.builder().stdout(null));
    calls.put("stderr", () -> ProcessSpec.builder().stderr(null));
    calls.put("killPolicy", () -> ProcessSpec.builder().killPolicy(null));
    calls.put("outputWait", () -> ProcessSpec.builder().outputWait(null));
    calls.put("ctx", () -> ChildProcesses.of(null));
    calls.forEach((arg, call) -> assertEquals(arg.trim(),
        assertThrows(NullPointerException.class, call, arg).getMessage(), arg));
  }
}
