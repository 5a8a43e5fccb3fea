package org.asyncop.examples.acceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Descriptors exhausted for real: the server runs in a child JVM whose RLIMIT_NOFILE is lowered
 * with the shell's {@code ulimit -n}; more clients connect than it has descriptors for. It must
 * back off (and count it) instead of dying or spinning, keep serving the connections it has, and
 * accept the rest once descriptors are freed.
 */
class EchoServerDescriptorLimitTest {
  private static final int LIMIT = 128;
  private static final long BOUND_S = 30;

  /** The child JVM, driven through its standard input and output. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Writer in;
    final Thread reader;

    Child() throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder("sh", "-c",
          "ulimit -n " + LIMIT + " && exec \"$0\" -cp \"$1\" " + EchoServerMain.class.getName() + " 0 --preload",
          java, System.getProperty("java.class.path"));
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      process = pb.start();
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            lines.add(l);
          }
        } catch (IOException e) {
          lines.add("READ FAILED " + e);
        }
      });
      reader.start();
    }

    /** The next line that starts with {@code prefix}, within the bound. */
    String expect(String prefix) throws InterruptedException {
      for (;;) {
        String l = lines.poll(BOUND_S, TimeUnit.SECONDS);
        if (l == null) {
          throw new AssertionError("the child printed no " + prefix + " line in time");
        }
        if (l.startsWith(prefix)) {
          return l;
        }
      }
    }

    void send(String command) throws IOException {
      in.write(command + "\n");
      in.flush();
    }

    Map<String, Long> stats() throws IOException, InterruptedException {
      send("stats");
      Map<String, Long> m = new HashMap<>();
      for (String kv : expect("STATS ").substring(6).split(" ")) {
        String[] p = kv.split("=");
        m.put(p[0], Long.parseLong(p[1]));
      }
      return m;
    }

    @Override
    public void close() throws IOException {
      process.destroyForcibly();
      try {
        process.waitFor(BOUND_S, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(BOUND_S));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reaping the child", e);
      }
    }
  }

  @Test
  void outOfDescriptorsTheAcceptorBacksOffAndRecovers() throws Exception {
    List<Socket> clients = new ArrayList<>();
    try (Child child = new Child()) {
      int port = Integer.parseInt(child.expect("PORT ").substring(5));
      Map<String, Long> first = child.stats();
      long base = first.get("fds");
      long warmUp = first.get("accepted"); // the child's own warm-up connection
      long room = LIMIT - base;
      // more clients than the child has descriptors left; after the first LEAVING go, all fit
      int total = (int) room + 30;
      int leaving = 50;
      System.out.println("child: " + base + " descriptors open at start, limit " + LIMIT
          + "; " + total + " clients");
      for (int i = 0; i < total; i++) {
        clients.add(Sockets.connect(port)); // the backlog takes them all
      }
      await().atMost(Duration.ofSeconds(BOUND_S)).until(() -> child.stats().get("backoffs") > 0);
      Map<String, Long> s = child.stats();
      long accepted = s.get("accepted");
      assertTrue(accepted < warmUp + total, "it cannot have accepted all: " + s);
      Sockets.echo(clients.get(0), 1000); // still serving what it has

      for (int i = 0; i < leaving; i++) { // free descriptors: the first clients leave
        clients.get(i).close();
      }
      for (int i = leaving; i < total; i++) { // the rest are accepted after the backoff
        Sockets.echo(clients.get(i), 100);
      }
      s = child.stats();
      assertEquals(warmUp + total, s.get("accepted"), s.toString());
      assertEquals(0, s.get("restarts"), "backing off is not failing: " + s);

      child.send("stop");
      assertEquals("STOPPED CANCEL open=0", child.expect("STOPPED "));
      assertTrue(child.process.waitFor(BOUND_S, TimeUnit.SECONDS));
      assertEquals(0, child.process.exitValue());
    } finally {
      for (Socket c : clients) {
        c.close();
      }
    }
  }
}
