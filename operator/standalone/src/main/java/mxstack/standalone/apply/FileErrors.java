package mxstack.standalone.apply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * One line for a file or disk error, naming the path and the cause ("/run/mxstack/config: Read-only
 * file system"): Java's own messages are often the bare path.
 */
public final class FileErrors {

  private FileErrors() {}

  /** The path and the cause of {@code e}, or its message when it names no file. */
  public static String describe(Throwable e) {
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return describe(u.getCause());
    }
    if (e instanceof FileSystemException f) {
      String cause = f.getReason() != null ? f.getReason() : kind(f);
      String files = f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
      return f.getFile() == null ? cause : files + ": " + cause;
    }
    if (e instanceof IOException && e.getMessage() == null) {
      return e.getClass().getSimpleName();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static String kind(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return "no such file or directory";
    } else if (f instanceof AccessDeniedException) {
      return "permission denied";
    } else if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    } else if (f instanceof NotDirectoryException) {
      return "not a directory";
    } else if (f instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    return f.getClass().getSimpleName();
  }
}
