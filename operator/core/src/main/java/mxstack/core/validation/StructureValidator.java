package mxstack.core.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import mxstack.core.yaml.YamlTrees;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Checks a YAML node tree against the shape of the spec records: unknown fields (with a "did you
 * mean"), wrong types and bad enum values, all reported at once with path and position.
 *
 * <p>The expected shape is read from the record classes themselves, so the model stays the single
 * source of truth for field names and types.
 */
final class StructureValidator {

  /**
   * Most values (mapping keys, values and list items) a document may hold once every alias is
   * expanded. A MatrixDeployment needs a few hundred, a big additionalConfig a few thousand; the
   * limit stops alias bombs that stay under SnakeYAML's alias count (a handful of aliases of
   * aliases of a long list expand a few kilobytes of text to millions of values for every later
   * step, rendering included).
   */
  static final long MAX_EXPANDED_VALUES = 100_000;

  private static final Set<String> BOOLEAN_WORDS =
      Set.of("true", "false", "yes", "no", "on", "off", "y", "n");

  private static final Resolver RESOLVER = new Resolver();

  private final List<Violation> violations = new ArrayList<>();

  List<Violation> validate(Node root, Class<?> rootType) {
    if (aliasesAreSafe(root)) {
      check(root, rootType, "");
    }
    return violations;
  }

  /**
   * Aliases turn the tree into a graph: reject cycles (an alias inside the value it names) and
   * graphs that expand to too many values, before anything walks the tree as a tree.
   */
  private boolean aliasesAreSafe(Node root) {
    Map<Node, Long> sizes = new IdentityHashMap<>();
    Set<Node> open = Collections.newSetFromMap(new IdentityHashMap<>());
    long size = expandedSize(root, "", sizes, open);
    if (size < 0) {
      return false; // the cycle is reported
    }
    if (size > MAX_EXPANDED_VALUES) {
      add(
          "",
          "holds more than "
              + MAX_EXPANDED_VALUES
              + " values once aliases (*name) are expanded; write the values out instead of"
              + " nesting aliases",
          null);
      return false;
    }
    return true;
  }

  /** Number of values under {@code node} with aliases expanded (saturating), or -1 on a cycle. */
  private long expandedSize(Node node, String path, Map<Node, Long> sizes, Set<Node> open) {
    Long known = sizes.get(node);
    if (known != null) {
      return known;
    }
    if (!open.add(node)) {
      add(
          path,
          "is an alias of a value that contains it; recursive structures are not allowed",
          node);
      return -1;
    }
    long total = 1;
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        String childPath =
            tuple.getKeyNode() instanceof ScalarNode key ? join(path, key.getValue()) : path;
        long keySize = expandedSize(tuple.getKeyNode(), path, sizes, open);
        long valueSize =
            keySize < 0 ? -1 : expandedSize(tuple.getValueNode(), childPath, sizes, open);
        if (valueSize < 0) {
          open.remove(node);
          return -1;
        }
        total = Math.min(total + keySize + valueSize, MAX_EXPANDED_VALUES + 1);
      }
    } else if (node instanceof SequenceNode sequence) {
      List<Node> items = sequence.getValue();
      for (int i = 0; i < items.size(); i++) {
        long itemSize = expandedSize(items.get(i), path + "[" + i + "]", sizes, open);
        if (itemSize < 0) {
          open.remove(node);
          return -1;
        }
        total = Math.min(total + itemSize, MAX_EXPANDED_VALUES + 1);
      }
    }
    open.remove(node);
    sizes.put(node, total);
    return total;
  }

  private void check(Node node, Type type, String path) {
    if (isNull(node)) {
      return; // absent and null are the same: defaults apply
    }
    if (!hasStandardCollectionTag(node)) {
      add(path, "uses the unsupported YAML tag " + node.getTag().getValue(), node);
      return;
    }
    if (!isPrintable(node, path)) {
      return;
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
    for (Map.Entry<String, NodeTuple> entry : textKeys(mapping, path).entrySet()) {
      String key = entry.getKey();
      NodeTuple tuple = entry.getValue();
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
    textKeys(mapping, path)
        .forEach((key, tuple) -> check(tuple.getValueNode(), valueType, join(path, key)));
  }

  private void checkFreeForm(Node node, String path) {
    if (!hasStandardCollectionTag(node)) {
      add(path, "uses the unsupported YAML tag " + node.getTag().getValue(), node);
    } else if (node instanceof MappingNode mapping) {
      textKeys(mapping, path)
          .forEach((key, tuple) -> checkFreeForm(tuple.getValueNode(), join(path, key)));
    } else if (node instanceof SequenceNode sequence) {
      List<Node> items = sequence.getValue();
      for (int i = 0; i < items.size(); i++) {
        checkFreeForm(items.get(i), path + "[" + i + "]");
      }
    } else if (node instanceof ScalarNode scalar && !isStandardScalar(scalar.getTag())) {
      add(path, "uses the unsupported YAML tag " + scalar.getTag().getValue(), node);
    } else if (node instanceof ScalarNode scalar
        && isPrintable(node, path)
        && !fitsItsTag(scalar)) {
      add(
          path,
          "is tagged " + shortTag(scalar.getTag()) + ", but " + describe(node) + " is not one",
          node);
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
    if (!scalar.getTag().equals(expected) || !fitsItsTag(scalar)) {
      String quote = expected.equals(Tag.STR) ? " (put it in quotes to use it as text)" : "";
      add(path, "must be " + what + ", not " + describe(node) + quote, node);
    }
  }

  private void checkInteger(Node node, String path) {
    if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.INT)) {
      BigInteger value = YamlTrees.parseInteger(scalar.getValue());
      if (value == null) {
        add(path, "must be a whole number such as 5432, not '" + scalar.getValue() + "'", node);
      } else if (value.bitLength() > 31) {
        add(path, "is out of range for a whole number", node);
      }
    } else {
      checkScalar(node, Tag.INT, "a whole number", path);
    }
  }

  /**
   * The text keys of a mapping, in order. Keys that are not text and keys given twice are reported
   * (YAML forbids duplicates, and silently keeping one of them would hide a mistake).
   */
  private Map<String, NodeTuple> textKeys(MappingNode mapping, String path) {
    Map<String, NodeTuple> keys = new LinkedHashMap<>();
    Map<String, Node> firstKeyNodes = new HashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = keyOf(tuple, path);
      if (key == null) {
        continue;
      }
      Node first = firstKeyNodes.putIfAbsent(key, tuple.getKeyNode());
      if (first != null) {
        add(
            join(path, key),
            "is given more than once (first at line "
                + (first.getStartMark().getLine() + 1)
                + "); keep only one",
            tuple.getKeyNode());
        continue;
      }
      keys.put(key, tuple);
    }
    return keys;
  }

  private String keyOf(NodeTuple tuple, String path) {
    Node keyNode = tuple.getKeyNode();
    if (keyNode instanceof ScalarNode scalar && scalar.getTag().equals(Tag.STR)) {
      return isPrintable(keyNode, join(path, scalar.getValue())) ? scalar.getValue() : null;
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
    if (input.length() > 64) {
      return null; // no field name is that long: not a typo
    }
    String lower = input.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    return candidates.stream()
        .map(c -> Map.entry(c, distance(lower, c.toLowerCase(Locale.ROOT).replace("-", ""))))
        .filter(e -> e.getValue() <= Math.max(1, Math.min(3, e.getKey().length() / 3)))
        .min(Comparator.comparingInt(Map.Entry::getValue))
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  /** Edit distance where swapping two neighbouring letters counts as one edit (a typo). */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
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

  /**
   * Reports text YAML cannot write back as text: control characters and unpaired surrogates, which
   * a double-quoted scalar can hold as escapes. SnakeYAML would render them as !!binary values
   * (Synapse and MAS would read bytes) or fail to render them at all.
   */
  private boolean isPrintable(Node node, String path) {
    if (node instanceof ScalarNode scalar && !StreamReader.isPrintable(scalar.getValue())) {
      add(
          path,
          "contains a control character or an unpaired surrogate (escapes such as \\0, \\x07"
              + " or \\uD800); only printable text can be written into the configuration",
          node);
      return false;
    }
    return true;
  }

  private static boolean hasStandardCollectionTag(Node node) {
    if (node instanceof MappingNode) {
      return node.getTag().equals(Tag.MAP);
    }
    if (node instanceof SequenceNode) {
      return node.getTag().equals(Tag.SEQ);
    }
    return true;
  }

  /**
   * Whether a scalar's text is a valid value of its tag: always for values YAML resolved itself,
   * not for explicit tags that lie, such as {@code !!bool maybe} or {@code !!int x}.
   */
  private static boolean fitsItsTag(ScalarNode scalar) {
    Tag tag = scalar.getTag();
    String value = scalar.getValue();
    if (!tag.equals(Tag.BOOL) && !tag.equals(Tag.INT) && !tag.equals(Tag.FLOAT)) {
      return true;
    }
    if (RESOLVER.resolve(NodeId.scalar, value, true).equals(tag)) {
      return true;
    }
    if (tag.equals(Tag.BOOL)) {
      return BOOLEAN_WORDS.contains(value.toLowerCase(Locale.ROOT));
    }
    if (tag.equals(Tag.INT)) {
      return YamlTrees.parseInteger(value) != null;
    }
    try {
      Double.parseDouble(value.replace("_", ""));
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String shortTag(Tag tag) {
    String value = tag.getValue();
    return value.startsWith(Tag.PREFIX) ? "!!" + value.substring(Tag.PREFIX.length()) : value;
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
