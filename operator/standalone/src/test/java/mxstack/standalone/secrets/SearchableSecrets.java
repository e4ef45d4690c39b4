package mxstack.standalone.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/** The searchable pieces of generated secrets, for "never appears in ..." checks. */
public final class SearchableSecrets {

  private SearchableSecrets() {}

  /**
   * Every value line by line (PEM bodies included, armour lines left out), and the seed of a
   * Synapse signing key: any of them appearing elsewhere is a leak.
   */
  public static List<String> of(Collection<byte[]> secrets) {
    List<String> values = new ArrayList<>();
    for (byte[] secret : secrets) {
      for (String line : new String(secret, StandardCharsets.UTF_8).strip().split("\n")) {
        if (line.length() >= 16 && !line.startsWith("-----")) {
          values.add(
              line.startsWith("ed25519 ") ? line.substring(line.lastIndexOf(' ') + 1) : line);
        }
      }
    }
    return values;
  }

  /** The same for every file in a secrets directory. */
  public static List<String> inDirectory(Path dir) throws IOException {
    List<byte[]> secrets = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        secrets.add(Files.readAllBytes(file));
      }
    }
    return of(secrets);
  }
}
