package mxstack.standalone.cloudron;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.stream.Stream;

/**
 * Hands files to the user the children run as. The supervisor starts as root (Cloudron runs
 * start.sh as root) and creates secrets and configs the unprivileged children must read.
 */
final class FileOwnership {

  private final UserPrincipal user;
  private final GroupPrincipal group;

  private FileOwnership(UserPrincipal user, GroupPrincipal group) {
    this.user = user;
    this.group = group;
  }

  /** Ownership for {@code name}, or null when there is nothing to hand over (not root). */
  static FileOwnership forUser(String name) throws IOException {
    if (name == null || !"root".equals(System.getProperty("user.name"))) {
      return null;
    }
    UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
    return new FileOwnership(
        lookup.lookupPrincipalByName(name), lookup.lookupPrincipalByGroupName(name));
  }

  /** Gives {@code root} and everything below it to the user, without following links. */
  void giveTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.toList()) {
        PosixFileAttributeView view =
            Files.getFileAttributeView(
                path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group);
      }
    }
  }
}
