package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.WatcherType;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * A store in a ZooKeeper ensemble, through Apache Curator, so that operations on several machines
 * can watch the same state.
 *
 * <p>Mapping: a path is a znode under the namespace (default {@code /asyncop}). ZooKeeper nodes
 * hold data and children at once; a node's data is empty when it holds no value, and {@code '='}
 * followed by the UTF-8 value otherwise (so that an empty value differs from no value). {@link
 * #compareAndSet} uses the znode's version.
 *
 * <p>Watching: one persistent recursive ZooKeeper watch ({@link AddWatchMode#PERSISTENT_RECURSIVE})
 * per store, on its namespace znode, added with the store's first watch and removed from the
 * server when its last one is closed; every watch of the store shares it, through a local index
 * of the watched paths (so the store's client must not hold other persistent recursive watches of
 * its own on the namespace znode). Adding or closing a watch then costs no round trip to the
 * server, except for the first and the last; the client hears every change under the namespace,
 * also those nobody watches (dropped at the index). A watch's listener hears changes in the order
 * the server sent them, one call at a time, on ZooKeeper's event thread or the store's admin thread
 * (see {@link #watch}).
 *
 * <p>Connection loss: <b>a re-read after reconnect</b> when the session survived, <b>FAIL</b> when
 * it did not. While the client is disconnected (a server restart, a network blip) the server may
 * change without telling us; ZooKeeper re-registers the watches when the same session reconnects,
 * and then every watcher hears its own watched path as changed once, so that it re-reads the
 * current state. When the session is lost (expired, or Curator gave up on it), the server has
 * dropped the watches: every watcher hears {@code onFailure} with a {@link StoreException} and is
 * removed. Either way no change is lost silently.
 */
public final class ZooKeeperStore implements WatchableStore {
  /*
   * Threads. Store calls block on Curator. Watch bookkeeping (`byPath`, `serverWatched`, adding
   * and removing the server watch, connection state changes) is confined to `admin`, a single
   * thread, so the server watch is added exactly when the store's first watch arrives and removed
   * exactly when its last leaves, and a reconnect or a lost session is applied between those
   * steps, never in the middle. ZooKeeper's event thread reads `byPath` and each PathWatch's
   * listener set (concurrent, copy-on-write) to fire, through `fanOut`.
   *
   * Listener calls. Both threads hand a watch its calls (the event thread its changes, the admin
   * thread the re-read after a reconnect and the failure) through the watch's SerialCalls, and
   * neither ever waits for a call running on the other: a listener may call watch() or close(),
   * which wait for the admin thread, while that thread hands its watch a call. Blocking on the
   * watch's monitor instead deadlocked watch() from a listener on the event thread against the
   * re-read of the same watch, and stalled close() from there for ADMIN_STOP. The price: the
   * thread that runs a watch's calls also runs those queued meanwhile, so the admin thread may run
   * change calls (and do its own work after them), and close() from a non-store thread waits for
   * failures queued behind a running call (awaitFailuresHeard), within ADMIN_STOP.
   *
   * Invariant (admin thread): serverWatched == !byPath.isEmpty(), except while attach() adds the
   * server watch for a first watch (serverWatched first) and after a lost session (both false).
   */
  private static final byte VALUE_MARK = '=';
  private static final byte[] NO_VALUE = new byte[0];

  private final CuratorFramework client;
  /** The namespace's znode, e.g. {@code /asyncop}: store paths live under it. */
  private final String rootPath;
  private final ExecutorService admin;
  /** The admin thread, where the re-read after a reconnect and onFailure call listeners. */
  private volatile @Nullable Thread adminThread;
  /** Store path -> the watches on it: the local index the one server watch fans out through. */
  private final ConcurrentHashMap<String, PathWatch> byPath = new ConcurrentHashMap<>();
  private final ZkFanOut fanOut;
  private final ClosedFlag closed = new ClosedFlag();
  /** Admin thread: whether the server holds {@link #fanOut} on the namespace znode. */
  private boolean serverWatched;

  private ZooKeeperStore(CuratorFramework client) {
    this.client = client;
    this.rootPath = "/" + client.getNamespace();
    this.fanOut = new ZkFanOut(rootPath, byPath);
    this.admin =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "asyncop-zkstore-admin");
              t.setDaemon(true);
              adminThread = t;
              return t;
            });
    client.getConnectionStateListenable().addListener((c, s) -> onState(s), admin);
  }

  /**
   * Connects to {@code connectString} with the defaults of {@link Builder}.
   *
   * @throws NullPointerException if {@code connectString} is null
   * @throws StoreException if no connection is made within the connection timeout
   */
  public static ZooKeeperStore connect(String connectString) {
    return builder(connectString).build();
  }

  /**
   * A builder for a store on {@code connectString} ({@code host:port,host:port}).
   *
   * @throws NullPointerException if {@code connectString} is null
   */
  public static Builder builder(String connectString) {
    return new Builder(requireNonNull(connectString, "connectString"));
  }

  /** Builds a {@link ZooKeeperStore}. */
  public static final class Builder {
    private final String connectString;
    private String namespace = "asyncop";
    private Duration sessionTimeout = Duration.ofSeconds(30);
    private Duration connectionTimeout = Duration.ofSeconds(10);

    private Builder(String connectString) {
      this.connectString = connectString;
    }

    /**
     * The znode under which paths live, without slashes. Default {@code asyncop}.
     *
     * @throws IllegalArgumentException if it is not a single path segment
     */
    public Builder namespace(String namespace) {
      StorePath.check("/" + requireNonNull(namespace, "namespace"), "namespace");
      if (namespace.isEmpty() || namespace.indexOf('/') >= 0) {
        throw new IllegalArgumentException("namespace must be one segment, was \"" + namespace + "\"");
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * How long the server keeps the session (and its watches) while the client is away. Default
     * 30 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = org.asyncop.core.Checks.positive(timeout, "timeout");
      return this;
    }

    /**
     * How long a call waits for a connection before it fails with {@link StoreException}; also
     * how long {@link #build()} waits for the first connection. Default 10 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = org.asyncop.core.Checks.positive(timeout, "timeout");
      return this;
    }

    /**
     * Connects, waiting up to the connection timeout.
     *
     * @throws StoreException if no connection is made in time
     */
    public ZooKeeperStore build() {
      int connectMs = (int) Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis());
      CuratorFramework c =
          CuratorFrameworkFactory.builder()
              .connectString(connectString)
              .namespace(namespace)
              .sessionTimeoutMs((int) Math.min(Integer.MAX_VALUE, sessionTimeout.toMillis()))
              .connectionTimeoutMs(connectMs)
              .retryPolicy(new ExponentialBackoffRetry(100, 3))
              .defaultData(NO_VALUE)
              .build();
      c.start();
      boolean connected;
      try {
        connected = c.blockUntilConnected(connectMs, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        connected = false;
      }
      if (!connected) {
        c.close();
        throw new StoreException("no connection to ZooKeeper at " + connectString + " within " + connectionTimeout);
      }
      return new ZooKeeperStore(c);
    }
  }

  // ---------------------------------------------------------------- data

  @Override
  public Optional<String> read(String path) {
    StorePath.check(path, "path");
    checkOpen();
    try {
      return decode(client.getData().forPath(path));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw failure("read", path, e);
    }
  }

  @Override
  public void write(String path, String value) {
    StorePath.check(path, "path");
    requireNonNull(value, "value");
    checkOpen();
    try {
      client.create().orSetData().creatingParentsIfNeeded().forPath(path, encode(value));
    } catch (Exception e) {
      throw failure("write", path, e);
    }
  }

  @Override
  public void remove(String path) {
    StorePath.check(path, "path");
    checkOpen();
    try {
      if (path.length() == 1) {
        for (String c : children(path)) {
          deleteTree(StorePath.child(path, c));
        }
        if (client.checkExists().forPath(path) != null) {
          client.setData().forPath(path, NO_VALUE);
        }
      } else {
        deleteTree(path);
      }
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw failure("remove", path, e);
    }
  }

  private void deleteTree(String path) throws Exception {
    try {
      client.delete().deletingChildrenIfNeeded().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      // already gone
    }
  }

  @Override
  public List<String> children(String path) {
    StorePath.check(path, "path");
    checkOpen();
    try {
      List<String> names = new ArrayList<>(client.getChildren().forPath(path));
      names.sort(null);
      return names;
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw failure("list", path, e);
    }
  }

  @Override
  public boolean compareAndSet(String path, Optional<String> expected, Optional<String> next) {
    StoreArgs.compareAndSet(path, expected, next);
    checkOpen();
    try {
      Stat stat = new Stat();
      byte[] data;
      try {
        data = client.getData().storingStatIn(stat).forPath(path);
      } catch (KeeperException.NoNodeException e) {
        data = null;
      }
      if (!decode(data).equals(expected)) {
        return false;
      }
      if (data == null) {
        if (next.isEmpty()) {
          return true; // no node, no value: nothing to clear
        }
        client.create().creatingParentsIfNeeded().forPath(path, encode(next.get()));
        return true;
      }
      client.setData().withVersion(stat.getVersion()).forPath(path, next.map(ZooKeeperStore::encode).orElse(NO_VALUE));
      return true;
    } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      return false; // another writer got there first
    } catch (Exception e) {
      throw failure("compare-and-set", path, e);
    }
  }

  private static byte[] encode(String value) {
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[v.length + 1];
    out[0] = VALUE_MARK;
    System.arraycopy(v, 0, out, 1, v.length);
    return out;
  }

  private static Optional<String> decode(byte @Nullable [] data) {
    if (data == null || data.length == 0) {
      return Optional.empty();
    }
    if (data[0] == VALUE_MARK) {
      return Optional.of(new String(data, 1, data.length - 1, StandardCharsets.UTF_8));
    }
    return Optional.of(new String(data, StandardCharsets.UTF_8)); // written by a foreign client
  }

  private StoreException failure(String what, String path, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    if (e instanceof IllegalStateException && closed.isSet()) {
      throw new IllegalStateException("store closed", e);
    }
    return new StoreException("ZooKeeper " + what + " of " + path + " failed: " + e, e);
  }

  // ---------------------------------------------------------------- watches

  /**
   * {@inheritDoc}
   *
   * <p>Here: blocks until the server has the watch. Listener calls run on ZooKeeper's event thread
   * or on the store's admin thread (which hands out the re-read after a reconnect and {@code
   * onFailure}): a call goes to the thread that hands it out, unless a call of the same watch is
   * running, in which case it waits in a queue and runs after it, on the thread that ran that call.
   * So a listener may call any method of the store, {@code close()} included; a watch whose
   * listener call is running hears {@code onFailure} once that call has returned.
   *
   * @throws StoreException if the server cannot be reached
   */
  @Override
  public StoreWatch watch(String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    StoreArgs.watch(path, onChange, onFailure);
    checkOpen();
    ZkWatch w = new ZkWatch(this, path, onChange, onFailure);
    if (Thread.currentThread() == adminThread) { // a listener: waiting for its own thread would hang
      try {
        attach(w);
      } catch (Exception e) {
        throw e instanceof RuntimeException r ? r : new StoreException("cannot watch " + path, e);
      }
      return w;
    }
    Future<?> added;
    try {
      added = admin.submit(() -> {
        attach(w);
        return null;
      });
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("store closed", e);
    }
    try {
      added.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      w.close();
      throw new StoreException("interrupted while adding a watch on " + path, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof RuntimeException r ? r : new StoreException("cannot watch " + path, c);
    }
    return w;
  }

  /** Admin thread: adds {@code w}, and the server watch if it is the store's first. */
  private void attach(ZkWatch w) throws Exception {
    checkOpen();
    if (!serverWatched) {
      try {
        // ZooKeeper's own API: Curator's remove() does not find watchers that its add() wrapped
        client.getZookeeperClient().getZooKeeper().addWatch(rootPath, fanOut, AddWatchMode.PERSISTENT_RECURSIVE);
      } catch (Exception e) {
        throw failure("watch", w.path, e);
      }
      serverWatched = true;
    }
    byPath.computeIfAbsent(w.path, PathWatch::new).listeners.add(w);
  }

  /** Any thread: {@code w} was closed; take it out on the admin thread. */
  void detachLater(ZkWatch w) {
    try {
      admin.execute(() -> detach(w));
    } catch (RejectedExecutionException e) {
      w.removedDone(); // the store is closed: its session, and the server's watches, are gone
    }
  }

  /** Admin thread: removes {@code w}, and the server watch if it was the store's last. */
  private void detach(ZkWatch w) {
    try {
      PathWatch pw = byPath.get(w.path);
      if (pw == null || !pw.listeners.remove(w) || !pw.listeners.isEmpty()) {
        return;
      }
      byPath.remove(w.path);
      if (byPath.isEmpty() && serverWatched) {
        removeFromServer();
      }
    } finally {
      w.removedDone();
    }
  }

  /** Admin thread: removes the store's watch from the server, or at least from this client. */
  private void removeFromServer() {
    serverWatched = false;
    ZooKeeper zk;
    try {
      zk = client.getZookeeperClient().getZooKeeper();
    } catch (Exception e) {
      Log.warn("no ZooKeeper handle to remove the watch on " + rootPath, e);
      return;
    }
    try {
      // removeWatches(path, watcher, ...) only checks the server and removes locally: the server
      // keeps the path watched. removeAllWatches removes it on the server; this client has no
      // other persistent recursive watcher on the namespace znode (one ZkFanOut per store).
      zk.removeAllWatches(rootPath, WatcherType.PersistentRecursive, false);
    } catch (KeeperException.NoWatcherException e) {
      // the session that had it is gone
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Log.warn("removing the ZooKeeper watch on " + rootPath + " from the server failed; removing it locally", e);
      try {
        zk.removeAllWatches(rootPath, WatcherType.PersistentRecursive, true);
      } catch (Exception e2) {
        Log.warn("removing the ZooKeeper watch on " + rootPath + " locally failed", e2);
      }
    }
  }

  /** Admin thread: a connection state change. */
  private void onState(ConnectionState s) {
    if (closed.isSet()) {
      return;
    }
    if (s == ConnectionState.LOST) {
      failAll(new StoreException("the ZooKeeper session was lost; changes may have been missed"));
    } else if (s == ConnectionState.RECONNECTED) {
      for (PathWatch pw : byPath.values()) {
        for (ZkWatch w : pw.listeners) {
          w.changed(pw.path); // events may have been missed while away: re-read
        }
      }
    }
  }

  /**
   * Admin thread: fails and forgets every watch, without a call to ZooKeeper. Both callers lose the
   * session's watches anyway: close() closes the client, and a lost session took them with it
   * (Curator replaced the handle that held {@link #fanOut}). A call here could only wait: with the
   * server unreachable, ZooKeeper holds even a local removal until its next connection attempt
   * fails, about a second per call, which made closing a store with many watched paths look like
   * a hang. Were the old handle still to deliver, {@link #fanOut} would reach only the watches in
   * the index, which may then hear a change twice (allowed: at least once).
   */
  private List<ZkWatch> failAll(Throwable cause) {
    List<PathWatch> all = new ArrayList<>(byPath.values());
    byPath.clear();
    serverWatched = false;
    List<ZkWatch> failed = new ArrayList<>();
    for (PathWatch pw : all) {
      for (ZkWatch w : pw.listeners) {
        w.failed(cause);
        failed.add(w);
      }
    }
    return failed;
  }

  /** How many watches are registered in this client (for leak checks). */
  public int watchCount() {
    int n = 0;
    for (PathWatch pw : byPath.values()) {
      n += pw.listeners.size();
    }
    return n;
  }

  /** The Curator client, for tools and tests that need to reach ZooKeeper directly. */
  public CuratorFramework curator() {
    return client;
  }

  @Override
  public boolean isClosed() {
    return closed.isSet();
  }

  /** How long close waits for the admin thread's queued work before it interrupts it. */
  private static final Duration ADMIN_STOP = Duration.ofSeconds(10);

  @Override
  public void close() {
    if (!closed.set()) {
      return;
    }
    if (Thread.currentThread() == adminThread) {
      // a listener: fail the watches here (waiting would hang, and queue it behind itself); the
      // thread ends once its current task returns
      failAll(new IllegalStateException("store closed"));
      admin.shutdown();
      client.close();
      return;
    }
    Future<List<ZkWatch>> failed = admin.submit(() -> failAll(new IllegalStateException("store closed")));
    admin.shutdown();
    boolean interrupted = false;
    long deadline = System.nanoTime() + ADMIN_STOP.toNanos();
    for (; ; ) {
      try {
        if (!admin.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          // a store call stuck on an unreachable server must not hang close: stop waiting for it
          Log.warn("the store's admin thread did not finish within " + ADMIN_STOP + "; interrupting it",
              new IllegalStateException());
          admin.shutdownNow();
        }
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (!failed.isDone() || failed.isCancelled()) {
      Log.warn("failing the watches of a closing store did not run", new IllegalStateException());
    } else {
      interrupted |= awaitFailuresHeard(failed, deadline);
    }
    client.close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits, until {@code deadline}, for the watches that {@code failed} failed to have heard it: a
   * watch whose listener call was running on the event thread hears it once that call returns.
   * Not for one whose call runs on this thread (its listener closed the store): it hears it after
   * this returns. Returns whether this thread was interrupted meanwhile.
   */
  private static boolean awaitFailuresHeard(Future<List<ZkWatch>> failed, long deadline) {
    boolean interrupted = false;
    List<ZkWatch> ws;
    try {
      ws = failed.get(); // done
    } catch (InterruptedException | ExecutionException e) {
      Log.warn("failing the watches of a closing store failed", e);
      return e instanceof InterruptedException;
    }
    for (ZkWatch w : ws) {
      if (w.callingOn(Thread.currentThread())) {
        continue;
      }
      for (; ; ) {
        try {
          w.removed().toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException | TimeoutException e) {
          Log.warn("a listener call of " + w + " did not return within " + ADMIN_STOP + "; its failure comes later", e);
          break;
        }
      }
    }
    return interrupted;
  }

  private void checkOpen() {
    if (closed.isSet()) {
      throw new IllegalStateException("store closed");
    }
  }

  @Override
  public String toString() {
    return "ZooKeeperStore[" + client.getZookeeperClient().getCurrentConnectionString()
        + "/" + client.getNamespace() + ", paths=" + byPath.size() + (closed.isSet() ? ", closed" : "") + "]";
  }
}
