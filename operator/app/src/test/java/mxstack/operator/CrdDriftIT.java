package mxstack.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD committed under crds/ is the one the build generates from the model (checked after the
 * package phase, which generates it). When this fails, copy
 * target/kubernetes/matrixdeployments.mxstack.internal-v1.yml to crds/ and review the diff.
 */
class CrdDriftIT {

  static final String FILE = "matrixdeployments.mxstack.internal-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws Exception {
    Path generated = Path.of("target/kubernetes", FILE);
    assertTrue(Files.exists(generated), "the build generates " + generated);
    for (String dir : new String[] {"crds", "deploy/crd"}) {
      assertEquals(
          Files.readString(generated),
          Files.readString(Path.of("../..", dir, FILE)),
          dir + "/" + FILE + " is out of date: copy " + generated + " over it and review the diff");
    }
  }

  @Test
  void everySpecFieldIsDescribedForKubectlExplain() throws Exception {
    String crd = Files.readString(Path.of("../../crds", FILE));
    var tree = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(crd);
    var spec = tree.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    java.util.List<String> undocumented = new java.util.ArrayList<>();
    if (!spec.has("description")) {
      undocumented.add("spec");
    }
    walk(spec, "spec", undocumented);
    assertEquals(java.util.List.of(), undocumented, "fields without a description");
  }

  private static void walk(
      com.fasterxml.jackson.databind.JsonNode node, String path, java.util.List<String> out) {
    var props = node.get("properties");
    if (props == null) {
      var items = node.get("items");
      if (items != null) {
        walk(items, path + "[]", out);
      }
      return;
    }
    props
        .fields()
        .forEachRemaining(
            e -> {
              String child = path + "." + e.getKey();
              if (!e.getValue().has("description")) {
                out.add(child);
              }
              walk(e.getValue(), child, out);
            });
  }
}
