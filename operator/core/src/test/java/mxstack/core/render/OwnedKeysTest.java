package mxstack.core.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.validation.SpecDefaults;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.SpecReader;
import mxstack.core.validation.Violation;
import mxstack.core.yaml.YamlTrees;
import org.junit.jupiter.api.Test;

/**
 * Every setting a renderer writes from the spec is refused in additionalConfig, with its field
 * path: otherwise an admin's value passes validation and is silently overwritten. Checked for every
 * golden spec, on both targets, against what the renderers actually render.
 */
class OwnedKeysTest {

  static final Path GOLDEN = Path.of("src/test/resources/golden");

  @Test
  void everyRenderedKeyIsRefusedInAdditionalConfig() throws Exception {
    List<String> accepted = new ArrayList<>();
    try (Stream<Path> cases = Files.list(GOLDEN)) {
      for (Path dir : cases.sorted().toList()) {
        String yaml = Files.readString(dir.resolve("spec.yaml"));
        MatrixDeploymentSpec spec = SpecDefaults.apply(SpecReader.load(yaml).spec());
        for (Target target : List.of(Target.cloudron(), Target.kubernetes("s", "m"))) {
          RenderContext ctx = new RenderContext(spec, target, SecretPaths.of(target));
          for (String key : SynapseConfigRenderer.ownedKeys(ctx)) {
            check(yaml, List.of("homeserver"), key, dir, accepted);
          }
          boolean mas =
              spec.auth().mode() == AuthMode.MAS
                  || spec.migration().strategy() == MigrationStrategy.SYN2MAS;
          if (mas) {
            for (String key : MasConfigRenderer.ownedKeys(ctx)) {
              check(yaml, List.of("auth", "mas"), key, dir, accepted);
            }
          }
        }
      }
    }
    assertEquals(List.of(), accepted, "rendered from the spec, yet accepted in additionalConfig");
  }

  /** Sets {@code key} in the additionalConfig under {@code section}; it must be refused there. */
  @SuppressWarnings("unchecked")
  private static void check(
      String yaml, List<String> section, String key, Path dir, List<String> accepted) {
    Map<String, Object> document = (Map<String, Object>) YamlTrees.toJava(YamlTrees.compose(yaml));
    Map<String, Object> node = (Map<String, Object>) document.get("spec");
    for (String part : section) {
      node = (Map<String, Object>) node.computeIfAbsent(part, k -> new LinkedHashMap<>());
    }
    Map<String, Object> extra =
        (Map<String, Object>) node.computeIfAbsent("additionalConfig", k -> new LinkedHashMap<>());
    String[] parts = key.split("\\.");
    Map<String, Object> at = extra;
    for (int i = 0; i < parts.length - 1; i++) {
      at = (Map<String, Object>) at.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
    }
    at.put(parts[parts.length - 1], "set by the admin");
    String field = "spec." + String.join(".", section) + ".additionalConfig." + key;
    List<Violation> violations = List.of();
    try {
      SpecReader.load(YamlTrees.dump(document, null));
    } catch (SpecInvalidException e) {
      violations = e.violations();
    }
    boolean refused =
        violations.stream()
            .anyMatch(
                v ->
                    v.path().startsWith("spec." + String.join(".", section) + ".additionalConfig.")
                        && (field.equals(v.path()) || field.startsWith(v.path() + ".")));
    if (!refused) {
      accepted.add(dir.getFileName() + ": " + field);
    }
  }
}
