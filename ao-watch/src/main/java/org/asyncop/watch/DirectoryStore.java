package org.asyncop.watch;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A store kept in a folder, so that child processes (shell scripts) can read and write it.
 *
 * <p>Mapping: the node at {@code /a/b} is the directory {@code <folder>/a/b}; its value is the
 * UTF-8 content of the file {@code <folder>/a/b/.value}. So a node can hold a value and children,
 * and names starting with {@code .} (which paths may not use) are the store's own. A child process
 * writes the value of a path atomically with this one shell command (temp file, then rename):
 *
 * <pre>{@code
 * d="$STORE/local/domain/7/device-model/state" && mkdir -p "$d" && printf %s "running" > "$d/.value.tmp.$$" && mv -f "$d/.value.tmp.$$" "$d/.value"
 * }</pre>
 *
 * {@link #shellWriteCommand(String)} returns that command for a path, taking the value from
 * {@code $1}. Readers never see a half-written value. Mutations through this class also take an
 * exclusive lock on {@code <folder>/.lock}, so {@link #compareAndSet} is atomic against every
 * process that uses this class on the folder (a plain shell write does not take the lock).
 *
 * <p>Watching: one JDK {@link WatchService} on every directory of the folder (inotify on Linux),
 * serviced by one thread of the store, on which listeners run, one at a time, in the order the
 * file system reported the changes. A new directory is registered and then scanned, so what was
 * written into it before registration is reported too (what a scan finds is reported in directory
 * order, since the file system does not say in which order it happened). When the file system drops events ({@code
 * OVERFLOW}), the store registers any directory it missed and tells every watcher that its own
 * path changed, so that a re-read sees the current state; nothing is lost silently. If the watch
 * thread breaks, every watcher hears {@code onFailure}.
 */
public final class DirectoryStore implements WatchableStore {
  /*
   * Threads: callers (any number) read and mutate the folder; mutations hold the in-JVM lock for
   * the folder (shared by every DirectoryStore instance on the same folder, so that the file lock,
   * which is per JVM, is never requested twice) and then the file lock. One watch thread takes
   * keys from the WatchService, registers new directories, and fires the WatchTable. `dirs` maps
   * each registered directory's key to it; only the watch thread and the constructor register.
   */
  /** The name of the file that holds a node's value inside its directory. */
  public static final String VALUE_FILE = ".value";

  private static final String LOCK_FILE = ".lock";
  /** The in-JVM locks of the folders that stores are open on; see FolderLock. */
  private static final ConcurrentHashMap<Path, FolderLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path folder;
  private final ReentrantLock jvmLock;
  private final FileChannel lockChannel;
  private final WatchService watchService;
  private final ConcurrentHashMap<WatchKey, Path> dirs = new ConcurrentHashMap<>();
  private final WatchTable watches = new WatchTable();
  private final Thread watchThread;
  private volatile @Nullable Throwable broken;
  private final ClosedFlag closed = new ClosedFlag();

  private DirectoryStore(Path folder) throws IOException {
    this.folder = folder;
    this.jvmLock = FolderLock.acquire(folder);
    FileChannel ch = null;
    WatchService ws = null;
    try {
      ch = FileChannel.open(
          folder.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      this.lockChannel = ch;
      ws = folder.getFileSystem().newWatchService();
      this.watchService = ws;
      registerTree(folder, false);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      if (ws != null) {
        ws.close();
      }
      FolderLock.release(folder);
      throw e;
    }
    this.watchThread = new Thread(this::watchLoop, "asyncop-dirstore-" + folder.getFileName());
    watchThread.setDaemon(true);
    watchThread.start();
  }

  /**
   * Opens the store kept in {@code folder}, creating the folder if it is missing.
   *
   * @throws NullPointerException if {@code folder} is null
   * @throws StoreException if the folder cannot be created or watched
   */
  public static DirectoryStore open(Path folder) {
    requireNonNull(folder, "folder");
    try {
      Files.createDirectories(folder);
      return new DirectoryStore(folder.toRealPath());
    } catch (IOException e) {
      throw new StoreException("cannot open a store in " + folder, e);
    }
  }

  /** The folder this store lives in. */
  public Path folder() {
    return folder;
  }

  /**
   * The shell command that writes the value given as {@code $1} to {@code path} atomically, for
   * {@code sh -c <command> sh <value>}.
   *
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if {@code path} is malformed
   */
  public String shellWriteCommand(String path) {
    StorePath.check(path, "path");
    String d = dirOf(path).toString().replace("'", "'\\''");
    return "d='" + d + "' && mkdir -p \"$d\" && printf %s \"$1\" > \"$d/.value.tmp.$$\""
        + " && mv -f \"$d/.value.tmp.$$\" \"$d/" + VALUE_FILE + "\"";
  }

  @Override
  public Optional<String> read(String path) {
    StorePath.check(path, "path");
    checkOpen();
    Path file = dirOf(path).resolve(VALUE_FILE);
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (CharacterCodingException e) {
      throw new StoreException(file + " is not UTF-8", e);
    } catch (IOException e) {
      throw new StoreException("cannot read " + file, e);
    }
  }

  @Override
  public void write(String path, String value) {
    StorePath.check(path, "path");
    requireNonNull(value, "value");
    checkOpen();
    locked(() -> writeValue(path, value));
  }

  @Override
  public void remove(String path) {
    StorePath.check(path, "path");
    checkOpen();
    locked(
        () -> {
          Path dir = dirOf(path);
          if (path.length() == 1) {
            deleteQuietly(dir.resolve(VALUE_FILE));
            for (Path child : childDirs(dir)) {
              deleteTree(child);
            }
          } else {
            deleteTree(dir);
          }
          return null;
        });
  }

  @Override
  public List<String> children(String path) {
    StorePath.check(path, "path");
    checkOpen();
    List<String> names = new ArrayList<>();
    try {
      for (Path c : childDirs(dirOf(path))) {
        names.add(c.getFileName().toString());
      }
    } catch (UncheckedIOException e) {
      throw new StoreException("cannot list " + path, e.getCause());
    }
    Collections.sort(names);
    return names;
  }

  @Override
  public boolean compareAndSet(String path, Optional<String> expected, Optional<String> next) {
    StoreArgs.compareAndSet(path, expected, next);
    checkOpen();
    return locked(
        () -> {
          if (!read(path).equals(expected)) {
            return false;
          }
          if (next.isPresent()) {
            writeValue(path, next.get());
          } else {
            deleteQuietly(dirOf(path).resolve(VALUE_FILE));
          }
          return true;
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: listeners run on the store's watch thread; {@code onFailure} runs there, or on the
   * thread that closes the store.
   *
   * @throws StoreException if the store's watch thread has broken
   */
  @Override
  public StoreWatch watch(String path, Consumer<String> onChange, Consumer<Throwable> onFailure) {
    StoreArgs.watch(path, onChange, onFailure);
    checkOpen();
    Throwable b = broken;
    if (b != null) {
      throw new StoreException("the folder watch of " + folder + " has broken", b);
    }
    LocalWatch w = watches.add(path, onChange, onFailure);
    if (closed.isSet() || broken != null) { // raced close() or a break, which may have missed this one
      w.failed(new IllegalStateException("store closed or broken"));
    }
    return w;
  }

  @Override
  public boolean isClosed() {
    return closed.isSet();
  }

  @Override
  public void close() {
    if (!closed.set()) {
      return;
    }
    try {
      watchService.close(); // the watch thread's take() throws ClosedWatchServiceException
    } catch (IOException e) {
      Log.warn("closing the watch service of " + folder, e);
    }
    boolean interrupted = false;
    // a listener that closes the store runs on the watch thread, which ends once it returns
    while (Thread.currentThread() != watchThread && watchThread.isAlive()) {
      try {
        watchThread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      lockChannel.close();
    } catch (IOException e) {
      Log.warn("closing " + LOCK_FILE + " of " + folder, e);
    }
    // after the channel's close, which released any file lock taken through it: a store opened on
    // the folder from now on may make a new in-JVM lock without ever asking for the file lock twice
    FolderLock.release(folder);
    watches.failAll(new IllegalStateException("store closed"));
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many watches are registered (for leak checks). */
  public int watchCount() {
    return watches.size();
  }

  // ---------------------------------------------------------------- files

  private void checkOpen() {
    if (closed.isSet()) {
      throw new IllegalStateException("store closed: " + folder);
    }
  }

  private Path dirOf(String path) {
    Path p = folder;
    for (String s : StorePath.segments(path)) {
      p = p.resolve(s);
    }
    return p;
  }

  private String pathOf(Path dir) {
    Path rel = folder.relativize(dir);
    if (rel.toString().isEmpty()) {
      return StorePath.ROOT;
    }
    StringBuilder sb = new StringBuilder();
    for (Path seg : rel) {
      sb.append('/').append(seg);
    }
    return sb.toString();
  }

  private @Nullable Void writeValue(String path, String value) throws IOException {
    Path dir = dirOf(path);
    Files.createDirectories(dir);
    Path tmp = dir.resolve(VALUE_FILE + ".tmp." + UUID.randomUUID());
    try {
      Files.writeString(tmp, value, StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve(VALUE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      deleteQuietly(tmp);
    }
    return null;
  }

  private static List<Path> childDirs(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path c : ds) {
        if (!c.getFileName().toString().startsWith(".") && Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
          out.add(c);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static void deleteTree(Path dir) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(dir)) {
      all = s.sorted(Comparator.reverseOrder()).toList();
    } catch (NoSuchFileException e) {
      return;
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (Path p : all) {
      deleteQuietly(p);
    }
  }

  private static void deleteQuietly(Path p) throws IOException {
    Files.deleteIfExists(p);
  }

  private interface IoAction<T> {
    T run() throws IOException;
  }

  /** Runs a mutation under the in-JVM lock and the folder's file lock. */
  private <T> T locked(IoAction<T> action) {
    jvmLock.lock();
    FileLock fileLock = null;
    try {
      fileLock = lockChannel.lock();
      return action.run();
    } catch (IOException e) {
      throw new StoreException("cannot change the store in " + folder, e);
    } catch (UncheckedIOException e) {
      throw new StoreException("cannot change the store in " + folder, e.getCause());
    } finally {
      releaseQuietly(fileLock);
      jvmLock.unlock();
    }
  }

  private void releaseQuietly(@Nullable FileLock lock) {
    if (lock == null) {
      return;
    }
    try {
      lock.release();
    } catch (IOException e) {
      Log.warn("releasing the lock on " + folder, e);
    }
  }

  // ---------------------------------------------------------------- watching (watch thread)

  private void watchLoop() {
    try {
      for (; ; ) {
        WatchKey key = watchService.take();
        boolean overflow = false;
        Path dir = dirs.get(key);
        for (WatchEvent<?> ev : key.pollEvents()) {
          if (ev.kind() == OVERFLOW) {
            overflow = true;
          } else if (dir != null) {
            onEvent(dir, (Path) ev.context(), ev.kind());
          }
        }
        if (!key.reset()) {
          dirs.remove(key); // the directory is gone
        }
        if (overflow) {
          registerTree(folder, false);
          watches.fireAll();
        }
      }
    } catch (ClosedWatchServiceException e) {
      // closed by close(): the normal end
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(e);
    } catch (Throwable e) {
      Log.rethrowIfFatal(e);
      fail(e);
    }
  }

  private void fail(Throwable e) {
    if (closed.isSet()) {
      return;
    }
    broken = e;
    watches.failAll(new StoreException("the folder watch of " + folder + " broke", e));
  }

  private void onEvent(Path dir, Path name, WatchEvent.Kind<?> kind) throws IOException {
    String n = name.toString();
    if (n.equals(VALUE_FILE)) {
      watches.fire(pathOf(dir));
      return;
    }
    if (n.startsWith(".")) {
      return; // temp files and the lock
    }
    Path child = dir.resolve(n);
    if (kind == ENTRY_CREATE && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
      registerTree(child, true);
    } else if (kind == ENTRY_DELETE) {
      String gone = pathOf(child);
      watches.fire(gone);
      // the directory may have gone before its own children were registered and reported
      watches.fireBelow(gone);
    }
  }

  /**
   * Registers every directory under {@code top} not yet registered, then (when {@code report})
   * reports each as changed: registration before the scan, so nothing falls in between.
   */
  private void registerTree(Path top, boolean report) throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(
        top,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
            if (!d.equals(folder) && d.getFileName().toString().startsWith(".")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            try { // registering again returns the same key: harmless
              dirs.put(d.register(watchService, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY), d);
            } catch (NoSuchFileException e) {
              return FileVisitResult.SKIP_SUBTREE; // removed meanwhile; its delete event reports it
            }
            found.add(d);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // a temp file renamed, a node removed: not an error
            }
            throw e;
          }
        });
    if (report) {
      for (Path d : found) {
        watches.fire(pathOf(d));
      }
    }
  }

  @Override
  public String toString() {
    return "DirectoryStore[" + folder + ", watches=" + watches.size() + (closed.isSet() ? ", closed" : "") + "]";
  }

  /** How many folders have an in-JVM lock now (for leak checks). */
  static int lockedFolders() {
    return JVM_LOCKS.size();
  }

  /**
   * The in-JVM lock of a folder, shared by every store open on it (the folder's file lock is per
   * JVM and must never be requested twice), counted so that it is dropped when the last of them
   * closes: a process that opens stores on many folders in turn keeps none of their locks.
   */
  private static final class FolderLock {
    final ReentrantLock lock = new ReentrantLock();
    /** Stores open on the folder; read and written only inside the map's compute functions. */
    int stores;

    static ReentrantLock acquire(Path folder) {
      return JVM_LOCKS.compute(folder, (f, l) -> {
        FolderLock fl = l == null ? new FolderLock() : l;
        fl.stores++;
        return fl;
      }).lock;
    }

    static void release(Path folder) {
      JVM_LOCKS.computeIfPresent(folder, (f, l) -> --l.stores == 0 ? null : l);
    }
  }
}
