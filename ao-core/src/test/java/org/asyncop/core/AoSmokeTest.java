package org.asyncop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AoSmokeTest {
  @Test
  void completesAndCancels() {
    try (AoContext ctx = AoContext.create()) {
      Recorder<String> r = new Recorder<>();
      Ao<String> ao = ctx.begin(r.how());
      ao.reportProgress(Progress.of("one"));
      ao.complete("v");
      assertEquals(Rc.OK, r.awaitOne().rc());
      assertEquals("v", r.awaitOne().value());

      Recorder<String> r2 = new Recorder<>();
      Ao<String> ao2 = ctx.begin(r2.how());
      ao2.onCancel(ao2::cancelled);
      ao2.cancel();
      assertEquals(Rc.CANCEL, r2.awaitOne().rc());
    }
  }
}
