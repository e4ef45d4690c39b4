package mxstack.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.PlannedFile;
import mxstack.core.render.MasConfigRenderer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every MAS config the golden cases render must validate against the JSON schema published with the
 * pinned MAS version, and use only keys that schema knows (the schema itself allows unknown keys,
 * which would hide a misspelt setting).
 */
class MasSchemaTest {

  static JsonSchema schema;
  static JsonNode schemaTree;

  @BeforeAll
  static void loadSchema() throws Exception {
    Path path = schemaPath();
    assertTrue(
        Files.isRegularFile(path),
        "MAS config schema not found at "
            + path
            + "; set -Dmas.schema=/path/to/config.schema.json (shared/mas/ beside the repo)");
    try (InputStream in = Files.newInputStream(path)) {
      schemaTree = new ObjectMapper().readTree(in);
    }
    schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schemaTree);
  }

  static Path schemaPath() {
    String configured = System.getProperty("mas.schema");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    // The repository's parent holds shared/ (the module runs with its own directory as cwd).
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared/mas/config.schema.json");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    return Path.of("../../../shared/mas/config.schema.json");
  }

  @TestFactory
  Stream<DynamicTest> everyRenderedMasConfigValidates() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path dir : GoldenFilesTest.GoldenCases.all()) {
      DesiredState plan = GoldenFilesTest.GoldenCases.plan(dir);
      plan.file(MasConfigRenderer.CONFIG_YAML)
          .ifPresent(
              file ->
                  tests.add(
                      DynamicTest.dynamicTest(
                          dir.getFileName().toString(), () -> assertValid(file))));
    }
    assertTrue(tests.size() >= 4, "expected MAS configs in at least 4 golden cases");
    return tests.stream();
  }

  static void assertValid(PlannedFile file) throws Exception {
    JsonNode config = new YAMLMapper().readTree(file.content());
    Set<ValidationMessage> errors = schema.validate(config);
    assertEquals(Set.of(), errors, "MAS config violates the MAS schema");
    List<String> unknown = new ArrayList<>();
    unknownKeys(config, schemaTree, "", unknown);
    assertEquals(List.of(), unknown, "MAS config uses keys the MAS schema does not define");
  }

  /** Walks the config beside the schema and lists keys no schema branch defines. */
  static void unknownKeys(JsonNode value, JsonNode schemaNode, String path, List<String> out) {
    JsonNode resolved = resolve(schemaNode);
    if (value.isObject()) {
      List<JsonNode> branches = branches(resolved);
      Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode child = null;
        for (JsonNode branch : branches) {
          JsonNode props = branch.get("properties");
          if (props != null && props.has(field.getKey())) {
            child = props.get(field.getKey());
            break;
          }
          JsonNode additional = branch.get("additionalProperties");
          if (additional != null && additional.isObject()) {
            child = additional;
          }
        }
        if (child == null
            && !branches.isEmpty()
            && branches.stream().anyMatch(b -> b.has("properties"))) {
          out.add(path + "/" + field.getKey());
        } else if (child != null) {
          unknownKeys(field.getValue(), child, path + "/" + field.getKey(), out);
        }
      }
    } else if (value.isArray()) {
      for (JsonNode branch : branches(resolved)) {
        if (branch.has("items")) {
          for (int i = 0; i < value.size(); i++) {
            unknownKeys(value.get(i), branch.get("items"), path + "/" + i, out);
          }
          return;
        }
      }
    }
  }

  private static List<JsonNode> branches(JsonNode node) {
    List<JsonNode> list = new ArrayList<>();
    JsonNode resolved = resolve(node);
    list.add(resolved);
    for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
      if (resolved.has(combinator)) {
        resolved.get(combinator).forEach(b -> list.addAll(branches(b)));
      }
    }
    return list;
  }

  private static JsonNode resolve(JsonNode node) {
    JsonNode current = node;
    while (current != null && current.has("$ref")) {
      String ref = current.get("$ref").asText();
      current = schemaTree.at(ref.substring(1));
    }
    return current;
  }
}
