package mxstack.standalone.secrets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import mxstack.core.plan.SecretFormat;
import mxstack.core.plan.SecretRequirement;

/**
 * A directory holding one file per generated secret, each created exactly once and never replaced.
 *
 * <p>Nothing here logs, prints or puts a secret value into an exception or a result: callers only
 * ever see names and paths.
 */
public final class SecretStore {

  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_AND_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Path dir;
  private final SecretGenerator generator;

  /** A store rooted at {@code dir}, which is created (mode 0700) on first use if missing. */
  public SecretStore(Path dir, SecretGenerator generator) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.generator = Objects.requireNonNull(generator, "generator");
  }

  /**
   * What {@link #ensure} did, by secret name only.
   *
   * @param created secrets that did not exist and were generated now
   * @param existing secrets that already existed and were left with their content untouched
   * @param tightened the subset of {@code existing} whose group/other permissions were removed
   */
  public record EnsureResult(List<String> created, List<String> existing, List<String> tightened) {
    /** Copies the lists so a result cannot change after it is returned. */
    public EnsureResult {
      created = List.copyOf(created);
      existing = List.copyOf(existing);
      tightened = List.copyOf(tightened);
    }
  }

  /** The file that holds (or will hold) the secret called {@code name}. */
  public Path pathOf(String name) {
    Objects.requireNonNull(name, "name");
    // The name becomes a file name; anything that could escape the directory is a plan bug.
    if (name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.indexOf('/') >= 0
        || name.indexOf('\\') >= 0
        || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("Invalid secret name '" + name + "'");
    }
    return dir.resolve(name);
  }

  /**
   * Makes sure every generated secret in {@code requirements} exists, generating the missing ones.
   *
   * <p>Requirements without a format are provided by the admin and are ignored. Existing secrets
   * are never regenerated or rewritten, only stripped of group/other permissions.
   *
   * @throws IOException if a secret file is empty or not a regular file, or on any I/O failure
   * @throws IllegalArgumentException if a name is invalid or required twice with different formats
   */
  public EnsureResult ensure(List<SecretRequirement> requirements) throws IOException {
    Map<String, SecretFormat> wanted = new HashMap<>();
    List<SecretRequirement> unique = new ArrayList<>();
    for (SecretRequirement requirement : requirements) {
      if (!requirement.generated()) {
        continue;
      }
      pathOf(requirement.name());
      SecretFormat previous = wanted.putIfAbsent(requirement.name(), requirement.format());
      if (previous == null) {
        unique.add(requirement);
      } else if (previous != requirement.format()) {
        throw new IllegalArgumentException(
            "Secret '"
                + requirement.name()
                + "' is required as both "
                + previous
                + " and "
                + requirement.format());
      }
    }

    List<String> created = new ArrayList<>();
    List<String> existing = new ArrayList<>();
    List<String> tightened = new ArrayList<>();
    for (SecretRequirement requirement : unique) {
      String name = requirement.name();
      Path target = pathOf(name);
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)
          && createOnce(target, requirement.format())) {
        created.add(name);
        continue;
      }
      // Either it was there already or a concurrent writer won the race: same treatment.
      existing.add(name);
      if (checkExisting(target)) {
        tightened.add(name);
      }
    }
    return new EnsureResult(created, existing, tightened);
  }

  /** Validates an existing secret file; returns true if its permissions had to be tightened. */
  private static boolean checkExisting(Path target) throws IOException {
    PosixFileAttributes attributes;
    try {
      attributes =
          Files.readAttributes(target, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      // Only reachable if someone deletes the file under us; do not guess, let the caller rerun.
      throw new IOException("Secret file " + target + " disappeared while being checked", e);
    }
    if (!attributes.isRegularFile()) {
      // A symlink or directory would make both the mode check and create-once meaningless.
      throw new IOException(
          "Secret path "
              + target
              + " exists but is not a regular file; replace it with the secret file itself");
    }
    if (attributes.size() == 0) {
      // An empty file is what a crash or a full disk leaves behind, and regenerating would
      // silently replace a key others still trust, so a human has to decide.
      throw new IOException(
          "Secret file "
              + target
              + " is empty, which means it was damaged, not that it is missing: restore it from"
              + " backup, or delete it to have a new value generated");
    }
    Set<PosixFilePermission> permissions = EnumSet.copyOf(attributes.permissions());
    if (permissions.removeAll(GROUP_AND_OTHERS)) {
      Files.setPosixFilePermissions(target, permissions);
      return true;
    }
    return false;
  }

  /**
   * Writes a new secret to {@code target} unless something appears there first.
   *
   * @return false if {@code target} already existed when the finished file was to be published
   */
  private boolean createOnce(Path target, SecretFormat format) throws IOException {
    ensureDirectory();
    // Created 0600 from the start, so the value is never readable by others, not even briefly.
    Path tmp =
        Files.createTempFile(
            dir,
            "." + target.getFileName() + ".",
            ".tmp",
            PosixFilePermissions.asFileAttribute(FILE_MODE));
    try {
      byte[] value = generator.generate(format);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        // The content must be durable before the name points at it, or a crash leaves an empty
        // secret behind.
        channel.force(true);
      } finally {
        Arrays.fill(value, (byte) 0);
      }
      try {
        // Unlike rename, link(2) refuses to replace an existing target, even under a race.
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    fsyncDirectory(dir);
    return true;
  }

  private void ensureDirectory() throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
    } catch (FileAlreadyExistsException e) {
      if (Files.isDirectory(dir)) {
        return;
      }
      throw e;
    }
    // The creation attribute is filtered by the umask; set the mode explicitly to be sure.
    Files.setPosixFilePermissions(dir, DIR_MODE);
    if (parent != null) {
      fsyncDirectory(parent);
    }
  }

  /** Makes a new directory entry durable; without this a crash can lose a just-created secret. */
  private static void fsyncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
