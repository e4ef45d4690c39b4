package mxstack.standalone.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import mxstack.core.plan.PlannedFile;

/**
 * Writes rendered files so that a reader sees either the old or the new content, never a mix: temp
 * file in the same directory, fsync, rename, fsync the directory; a set of files is replaced all or
 * none ({@link Batch}). Unchanged files are left alone, so their modification times mean something.
 */
public final class ConfigWriter {

  private final Path root;

  /** Writes below {@code root} (the target's config directory). */
  public ConfigWriter(Path root) {
    this.root = root;
  }

  /**
   * Writes every file, all or none (see {@link Batch}); returns the relative paths that changed.
   */
  public List<String> writeAll(List<PlannedFile> files) throws IOException {
    try (Batch batch = new Batch()) {
      List<String> changed = stageAll(batch, files);
      batch.commit();
      return changed;
    }
  }

  /** Stages every file in {@code batch}; returns the relative paths that will change. */
  public List<String> stageAll(Batch batch, List<PlannedFile> files) throws IOException {
    List<String> changed = new ArrayList<>();
    for (PlannedFile file : files) {
      if (batch.stage(
          root.resolve(file.path()),
          file.content().getBytes(StandardCharsets.UTF_8),
          file.mode())) {
        changed.add(file.path());
      }
    }
    return changed;
  }

  /**
   * Atomically replaces {@code target} with {@code content} unless it already holds exactly that;
   * returns whether it wrote.
   */
  public static boolean write(Path target, byte[] content, int mode) throws IOException {
    try (Batch batch = new Batch()) {
      boolean changed = batch.stage(target, content, mode);
      batch.commit();
      return changed;
    }
  }

  /**
   * Files replaced together, all or none. {@link #stage} writes and syncs each new content to a
   * temporary file beside its target (where a full disk or a write error shows, before anything
   * changed); {@link #commit} then renames them into place, keeping a hard link to each old file
   * until all are in, so a failed rename puts the earlier ones back. Closing removes whatever was
   * not committed.
   */
  public static final class Batch implements AutoCloseable {

    private record Staged(Path target, Path temp) {}

    private final List<Staged> staged = new ArrayList<>();

    /** Stages {@code target}'s new content unless it already holds it; returns whether it will. */
    public boolean stage(Path target, byte[] content, int mode) throws IOException {
      Path dir = target.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) {
        setMode(target, mode);
        return false;
      }
      Path tmp =
          Files.createTempFile(
              dir,
              "." + target.getFileName() + ".",
              ".tmp",
              PosixFilePermissions.asFileAttribute(toPermissions(mode & 0600 | 0600)));
      staged.add(new Staged(target, tmp));
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      } catch (FileSystemException e) {
        throw e;
      } catch (IOException e) {
        // A failed write ("No space left on device") names no file: name the one being written.
        FileSystemException named =
            new FileSystemException(target.toString(), null, e.getMessage());
        named.initCause(e);
        throw named;
      }
      setMode(tmp, mode);
      return true;
    }

    /** Puts every staged file in place, or none of them. */
    public void commit() throws IOException {
      List<Path[]> replaced = new ArrayList<>(); // {target, backup or null}
      try {
        for (Staged s : staged) {
          Path backup = null;
          if (Files.exists(s.target())) {
            backup = s.temp().resolveSibling(s.temp().getFileName() + ".old");
            Files.createLink(backup, s.target());
          }
          replaced.add(new Path[] {s.target(), backup});
          try {
            Files.move(
                s.temp(),
                s.target(),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
          } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(
                "cannot replace " + s.target() + " atomically on this filesystem", e);
          }
        }
      } catch (IOException e) {
        for (int i = replaced.size() - 1; i >= 0; i--) {
          Path[] r = replaced.get(i);
          try {
            if (r[1] != null) {
              Files.move(
                  r[1], r[0], StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
              Files.deleteIfExists(r[0]); // it did not exist before
            }
          } catch (IOException restore) {
            e.addSuppressed(restore);
          }
        }
        throw e;
      }
      for (Path[] r : replaced) {
        if (r[1] != null) {
          Files.deleteIfExists(r[1]);
        }
      }
      staged.stream()
          .map(s -> s.target().toAbsolutePath().getParent())
          .distinct()
          .forEach(ConfigWriter::fsyncDirectory);
      staged.clear();
    }

    @Override
    public void close() throws IOException {
      for (Staged s : staged) {
        Files.deleteIfExists(s.temp());
        Files.deleteIfExists(s.temp().resolveSibling(s.temp().getFileName() + ".old"));
      }
      staged.clear();
    }
  }

  static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some filesystems refuse to sync a directory; the rename itself is still atomic.
    }
  }

  private static void setMode(Path path, int mode) throws IOException {
    Files.setPosixFilePermissions(path, toPermissions(mode));
  }

  /** Converts octal mode bits (e.g. 0640) to permissions. */
  public static Set<PosixFilePermission> toPermissions(int mode) {
    StringBuilder text = new StringBuilder();
    String letters = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      text.append((mode & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(text.toString());
  }
}
