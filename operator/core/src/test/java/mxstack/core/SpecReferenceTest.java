package mxstack.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mxstack.core.spec.MatrixDeploymentSpec;
import org.junit.jupiter.api.Test;

/**
 * docs/spec.md is generated from the field descriptions on the spec records; this test fails when
 * the committed page differs (rerun with -Dgolden.update=true), and when a field has no description
 * (they also feed kubectl explain).
 */
class SpecReferenceTest {

  static final Path PAGE = Path.of("../../docs/spec.md");

  @Test
  void specReferenceIsCurrent() throws Exception {
    StringBuilder out = new StringBuilder();
    out.append("# MatrixDeployment spec reference\n\n");
    out.append("`apiVersion: mxstack.internal/v1alpha1`, `kind: MatrixDeployment`. Generated from");
    out.append(
        " the model (`operator/core/src/main/java/mxstack/core/spec`); defaults are applied");
    out.append(" in `SpecDefaults`. A secret reference is either `file` (an absolute path;");
    out.append(" Cloudron and local runs) or `secretName` and `key` (Kubernetes).\n\n");
    out.append("| field | type | description |\n|---|---|---|\n");
    walk(MatrixDeploymentSpec.class, "spec", out);
    String page = out.toString();
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(PAGE, page, StandardCharsets.UTF_8);
    }
    assertEquals(
        Files.exists(PAGE) ? Files.readString(PAGE, StandardCharsets.UTF_8) : "",
        page,
        "docs/spec.md is out of date: rerun with -Dgolden.update=true");
  }

  private static void walk(Class<?> type, String path, StringBuilder out) {
    for (RecordComponent c : type.getRecordComponents()) {
      JsonPropertyDescription d = c.getAccessor().getAnnotation(JsonPropertyDescription.class);
      String fieldPath = path + "." + c.getName();
      assertEquals(true, d != null && !d.value().isBlank(), fieldPath + " has no description");
      Class<?> raw = c.getType();
      Type generic = c.getGenericType();
      String typeName;
      Class<?> nested = null;
      if (raw.isRecord()) {
        typeName = "object";
        nested = raw;
      } else if (List.class.isAssignableFrom(raw)) {
        Type item = ((ParameterizedType) generic).getActualTypeArguments()[0];
        if (item instanceof Class<?> k && k.isRecord()) {
          typeName = "list of objects";
          nested = k;
          fieldPath = fieldPath + "[]";
        } else {
          typeName = "list of " + simple(item);
        }
      } else if (Map.class.isAssignableFrom(raw)) {
        typeName = "map";
      } else if (raw.isEnum()) {
        typeName = "enum";
      } else {
        typeName = simple(raw);
      }
      out.append("| `")
          .append(fieldPath)
          .append("` | ")
          .append(typeName)
          .append(" | ")
          .append(d.value().replace("|", "\\|"))
          .append(" |\n");
      if (nested != null) {
        walk(nested, fieldPath, out);
      }
    }
  }

  private static String simple(Type type) {
    String name = type instanceof Class<?> k ? k.getSimpleName() : type.getTypeName();
    return switch (name) {
      case "String" -> "string";
      case "Integer" -> "integer";
      case "Boolean" -> "boolean";
      default -> name;
    };
  }
}
