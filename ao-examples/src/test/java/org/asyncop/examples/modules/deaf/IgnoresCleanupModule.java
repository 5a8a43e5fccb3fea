package org.asyncop.examples.modules.deaf;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.asyncop.core.Ao;
import org.asyncop.core.AoHow;
import org.asyncop.examples.modules.Module;
import org.asyncop.examples.modules.ModuleEnv;
import org.asyncop.watch.Channels;

/**
 * A module that ignores its cleanup event, even forced: it registers nothing on its operation. It
 * ends only when a client connects to its port, watched on an operation of its own that the
 * cleanup does not reach (the context's close does: it then ends too). In a package of its own,
 * so that the host defines it in the module's class loader.
 */
public final class IgnoresCleanupModule implements Module {
  /** For the host. */
  public IgnoresCleanupModule() {}

  @Override
  public void init(Ao<Void> ao, ModuleEnv env) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    s.configureBlocking(false);
    env.report("listening on " + s.socket().getLocalPort());
    Ao<Void> own = ao.context().begin(AoHow.<Void>callback(o -> { }).named("deaf's own watch"));
    Channels.of(ao.context()).whenAcceptable(own, s, rc -> {
      try {
        s.close();
      } catch (IOException e) {
        env.report("closing failed: " + e);
      }
      own.complete(null);
      ao.complete(null);
    });
  }
}
