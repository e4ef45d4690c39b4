package mxstack.operator;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The searchable pieces of a generated Secret's values, for "never appears in ..." checks. */
final class GeneratedSecretValues {

  private GeneratedSecretValues() {}

  /**
   * Every value of the Secret, line by line (PEM bodies included, armour lines left out), and the
   * seed of a Synapse signing key: any of them appearing elsewhere is a leak.
   */
  static List<String> of(Secret secret) {
    List<String> values = new ArrayList<>();
    for (String encoded : secret.getData().values()) {
      String text = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).strip();
      for (String line : text.split("\n")) {
        if (line.length() >= 16 && !line.startsWith("-----")) {
          values.add(
              line.startsWith("ed25519 ") ? line.substring(line.lastIndexOf(' ') + 1) : line);
        }
      }
    }
    return values;
  }
}
