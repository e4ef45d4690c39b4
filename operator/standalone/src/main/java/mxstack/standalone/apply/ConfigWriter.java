package mxstack.standalone.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
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
 * file in the same directory, fsync, rename, fsync the directory. Unchanged files are left alone,
 * so their modification times mean something.
 */
public final class ConfigWriter {

  private final Path root;

  /** Writes below {@code root} (the target's config directory). */
  public ConfigWriter(Path root) {
    this.root = root;
  }

  /** Writes every file; returns the relative paths whose content changed. */
  public List<String> writeAll(List<PlannedFile> files) throws IOException {
    List<String> changed = new ArrayList<>();
    for (PlannedFile file : files) {
      if (write(
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
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      setMode(tmp, mode);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically on this filesystem", e);
      }
      fsyncDirectory(dir);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
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
