package mxstack.core.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mxstack.core.yaml.YamlTrees;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Checks a YAML node tree against the shape of the spec records: unknown fields (with a "did you
 * mean"), wrong types and bad enum values, all reported at once with path and position.
 *
 * <p>The expected shape is read from the record classes themselves, so the model stays the single
 * source of truth for field names and types.
 */
final class StructureValidator {

  private final List<Violation> violations = new ArrayList<>();

  List<Violation> validate(Node root, Class<?> rootType) {
    check(root, rootType, "");
    return violations;
  }

  private void check(Node node, Type type, String path) {
    if (isNull(node)) {
      return; // absent and null are the same: defaults apply
    }
    Class<?> raw = rawClass(type);
    if (raw.isRecord()) {
      checkRecord(node, raw, path);
    } else if (List.class.isAssignableFrom(raw)) {
      checkList(node, typeArgument(type, 0), path);
    } else if (Map.class.isAssignableFrom(raw)) {
      checkMap(node, typeArgument(type, 1), path);
    } else if (raw.isEnum()) {
      checkEnum(node, raw, path);
    } else if (raw == String.class) {
      checkScalar(node, Tag.STR, "a string", path);
    } else if (raw == Integer.class || raw == int.class) {
      checkInteger(node, path);
    } else if (raw == Boolean.class || raw == boolean.class) {
      checkScalar(node, Tag.BOOL, "true or false", path);
    } else if (raw == Object.class) {
      checkFreeForm(node, path);
    } else {
      throw new IllegalStateException("spec model uses an unsupported type " + raw);
    }
  }

  private void checkRecord(Node node, Class<?> type, String path) {
    if (!(node instanceof MappingNode mapping)) {
      add(path, "must be a mapping (key: value pairs), not " + describe(node), node);
      return;
    }
    Map<String, RecordComponent> fields = new LinkedHashMap<>();
    for (RecordComponent component : type.getRecordComponents()) {
      fields.put(component.getName(), component);
    }
    for (NodeTuple tuple : mapping.getValue()) {
      String key = keyOf(tuple, path);
      if (key == null) {
        continue;
      }
      String childPath = join(path, key);
      RecordComponent component = fields.get(key);
      if (component == null) {
        add(childPath, unknownFieldMessage(key, fields.keySet()), tuple.getKeyNode());
        continue;
      }
      check(tuple.getValueNode(), component.getGenericType(), childPath);
    }
  }

  private void checkList(Node node, Type element, String path) {
    if (!(node instanceof SequenceNode sequence)) {
      add(path, "must be a list, not " + describe(node), node);
      return;
    }
    List<Node> items = sequence.getValue();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      if (isNull(items.get(i))) {
        add(itemPath, "must not be empty", items.get(i));
      } else {
        check(items.get(i), element, itemPath);
      }
    }
  }

  private void checkMap(Node node, Type valueType, String path) {
    if (!(node instanceof MappingNode mapping)) {
      add(path, "must be a mapping (key: value pairs), not " + describe(node), node);
      return;
    }
    for (NodeTuple tuple : mapping.getValue()) {
      String key = keyOf(tuple, path);
      if (key != null) {
        check(tuple.getValueNode(), valueType, join(path, key));
      }
    }
  }

  private void checkFreeForm(Node node, String path) {
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        String key = keyOf(tuple, path);
        if (key != null) {
          checkFreeForm(tuple.getValueNode(), join(path, key));
        }
      }
    } else if (node instanceof SequenceNode sequence) {
      List<Node> items = sequence.getValue();
      for (int i = 0; i < items.size(); i++) {
        checkFreeForm(items.get(i), path + "[" + i + "]");
      }
    } else if (node instanceof ScalarNode scalar && !isStandardScalar(scalar.getTag())) {
      add(path, "uses the unsupported YAML tag " + scalar.getTag().getValue(), node);
    }
  }

  private void checkEnum(Node node, Class<?> type, String path) {
    List<String> allowed = enumWireNames(type);
    if (!(node instanceof ScalarNode scalar)) {
      add(path, "must be one of " + String.join(", ", allowed) + ", not " + describe(node), node);
      return;
    }
    if (!allowed.contains(scalar.getValue())) {
      String hint = closest(scalar.getValue(), allowed);
      add(
          path,
          "'"
              + scalar.getValue()
              + "' is not allowed; use one of "
              + String.join(", ", allowed)
              + (hint == null ? "" : " (did you mean '" + hint + "'?)"),
          node);
    }
  }

  private void checkScalar(Node node, Tag expected, String what, String path) {
    if (!(node instanceof ScalarNode scalar)) {
      add(path, "must be " + what + ", not " + describe(node), node);
      return;
    }
    if (!scalar.getTag().equals(expected)) {
      String quote = expected.equals(Tag.STR) ? " (put it in quotes to use it as text)" : "";
      add(path, "must be " + what + ", not " + describe(node) + quote, node);
    }
  }

  private void checkInteger(Node node, String path) {
    checkScalar(node, Tag.INT, "a whole number", path);
    if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.INT)) {
      if (YamlTrees.parseInteger(scalar.getValue()) == null
          || YamlTrees.parseInteger(scalar.getValue()).bitLength() > 31) {
        add(path, "is out of range for a whole number", node);
      }
    }
  }

  private String keyOf(NodeTuple tuple, String path) {
    Node keyNode = tuple.getKeyNode();
    if (keyNode instanceof ScalarNode scalar && scalar.getTag().equals(Tag.STR)) {
      return scalar.getValue();
    }
    if (keyNode instanceof ScalarNode scalar) {
      add(
          join(path, scalar.getValue()),
          "keys must be text, not " + describe(keyNode) + " (quote the key)",
          keyNode);
    } else {
      add(path, "keys must be text, not " + describe(keyNode), keyNode);
    }
    return null;
  }

  private void add(String path, String message, Node node) {
    int line = node == null ? 0 : node.getStartMark().getLine() + 1;
    int column = node == null ? 0 : node.getStartMark().getColumn() + 1;
    violations.add(new Violation(path.isEmpty() ? "(document)" : path, message, line, column));
  }

  static String unknownFieldMessage(String key, java.util.Collection<String> known) {
    String hint = closest(key, known);
    return "unknown field '"
        + key
        + "'"
        + (hint == null ? "" : " (did you mean '" + hint + "'?)")
        + "; allowed here: "
        + String.join(", ", known);
  }

  /** The candidate closest to {@code input}, if it is close enough to be a likely typo. */
  static String closest(String input, java.util.Collection<String> candidates) {
    String lower = input.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    return candidates.stream()
        .map(c -> Map.entry(c, distance(lower, c.toLowerCase(Locale.ROOT).replace("-", ""))))
        .filter(e -> e.getValue() <= Math.max(1, Math.min(3, e.getKey().length() / 3)))
        .min(Comparator.comparingInt(Map.Entry::getValue))
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  static List<String> enumWireNames(Class<?> type) {
    List<String> names = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String name = ((Enum<?>) constant).name();
      try {
        JsonProperty property = type.getField(name).getAnnotation(JsonProperty.class);
        names.add(property != null ? property.value() : name);
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException(e);
      }
    }
    return names;
  }

  private static boolean isNull(Node node) {
    return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
  }

  private static boolean isStandardScalar(Tag tag) {
    return tag.equals(Tag.STR)
        || tag.equals(Tag.INT)
        || tag.equals(Tag.BOOL)
        || tag.equals(Tag.FLOAT)
        || tag.equals(Tag.NULL)
        || tag.equals(Tag.TIMESTAMP);
  }

  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    ScalarNode scalar = (ScalarNode) node;
    Tag tag = scalar.getTag();
    String kind;
    if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
      kind = "the number";
    } else if (tag.equals(Tag.BOOL)) {
      kind = "the boolean";
    } else if (tag.equals(Tag.STR)) {
      kind = "the text";
    } else {
      kind = "the value";
    }
    String value = scalar.getValue();
    if (value.length() > 40) {
      value = value.substring(0, 37) + "...";
    }
    return kind + " '" + value + "'";
  }

  private static String join(String path, String key) {
    boolean plain = key.matches("[A-Za-z_][A-Za-z0-9_-]*");
    String segment = plain ? key : "[" + quoteKey(key) + "]";
    if (path.isEmpty()) {
      return plain ? key : segment;
    }
    return plain ? path + "." + key : path + segment;
  }

  private static String quoteKey(String key) {
    return "'" + key.replace("'", "''") + "'";
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    throw new IllegalStateException("unsupported type " + type);
  }

  private static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType p) {
      return p.getActualTypeArguments()[index];
    }
    return Object.class;
  }
}
