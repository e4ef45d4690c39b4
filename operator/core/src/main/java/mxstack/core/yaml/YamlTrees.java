package mxstack.core.yaml;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * YAML trees: safe parsing of admin input, plain-Java conversion, deep merge and deterministic
 * output. Config files are built as trees and emitted here, never by string substitution.
 */
public final class YamlTrees {

  /** Largest admin document accepted, in code points. */
  public static final int MAX_DOCUMENT_CODE_POINTS = 1_000_000;

  private YamlTrees() {}

  /** Loader settings that keep hostile input cheap: no alias bombs, no deep nesting. */
  public static LoaderOptions safeLoaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(40);
    options.setCodePointLimit(MAX_DOCUMENT_CODE_POINTS);
    options.setProcessComments(false);
    return options;
  }

  /** Composes the single YAML document in {@code text}; throws SnakeYAML's exceptions. */
  public static Node compose(String text) {
    Yaml yaml = new Yaml(safeLoaderOptions());
    return yaml.compose(new StringReader(text));
  }

  /** Converts a composed node into maps, lists, strings, numbers and booleans. */
  public static Object toJava(Node node) {
    if (node == null) {
      return null;
    }
    if (node instanceof MappingNode mapping) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (NodeTuple tuple : mapping.getValue()) {
        String key =
            tuple.getKeyNode() instanceof ScalarNode s
                ? s.getValue()
                : tuple.getKeyNode().toString();
        map.put(key, toJava(tuple.getValueNode()));
      }
      return map;
    }
    if (node instanceof SequenceNode sequence) {
      List<Object> list = new ArrayList<>();
      for (Node item : sequence.getValue()) {
        list.add(toJava(item));
      }
      return list;
    }
    ScalarNode scalar = (ScalarNode) node;
    Tag tag = scalar.getTag();
    String value = scalar.getValue();
    if (tag.equals(Tag.NULL)) {
      return null;
    }
    if (tag.equals(Tag.BOOL)) {
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "true", "yes", "on", "y" -> Boolean.TRUE;
        default -> Boolean.FALSE;
      };
    }
    if (tag.equals(Tag.INT)) {
      BigInteger parsed = parseInteger(value);
      if (parsed == null) {
        return value;
      }
      return parsed.bitLength() <= 31
          ? (Object) parsed.intValue()
          : parsed.bitLength() <= 63 ? (Object) parsed.longValue() : parsed;
    }
    if (tag.equals(Tag.FLOAT)) {
      try {
        return Double.valueOf(value.replace("_", ""));
      } catch (NumberFormatException e) {
        return value; // .inf, .nan: keep the text
      }
    }
    return value;
  }

  /** Parses a YAML 1.1 integer (decimal, 0x, 0o/0 octal, 0b, underscores), or null. */
  public static BigInteger parseInteger(String text) {
    String value = text.replace("_", "");
    int sign = 1;
    if (value.startsWith("-") || value.startsWith("+")) {
      sign = value.startsWith("-") ? -1 : 1;
      value = value.substring(1);
    }
    try {
      BigInteger parsed;
      if (value.startsWith("0x")) {
        parsed = new BigInteger(value.substring(2), 16);
      } else if (value.startsWith("0b")) {
        parsed = new BigInteger(value.substring(2), 2);
      } else if (value.startsWith("0o")) {
        parsed = new BigInteger(value.substring(2), 8);
      } else if (value.length() > 1 && value.startsWith("0")) {
        parsed = new BigInteger(value.substring(1), 8);
      } else if (value.contains(":")) {
        return null; // sexagesimal: not worth supporting
      } else {
        parsed = new BigInteger(value);
      }
      return sign < 0 ? parsed.negate() : parsed;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Deep-merges {@code overlay} into a copy of {@code base}: maps merge key by key, anything else
   * (lists included) is replaced by the overlay's value, and a null in the overlay changes nothing.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> overlay) {
    Map<String, Object> result = deepCopy(base);
    if (overlay == null) {
      return result;
    }
    for (Map.Entry<String, Object> entry : overlay.entrySet()) {
      Object existing = result.get(entry.getKey());
      Object incoming = entry.getValue();
      if (incoming == null && result.containsKey(entry.getKey())) {
        continue; // an empty section ("homeserver:" with only comments) sets nothing
      }
      if (existing instanceof Map && incoming instanceof Map) {
        result.put(
            entry.getKey(), merge((Map<String, Object>) existing, (Map<String, Object>) incoming));
      } else {
        result.put(entry.getKey(), deepCopyValue(incoming));
      }
    }
    return result;
  }

  /** A deep copy of a tree of maps and lists. */
  public static Map<String, Object> deepCopy(Map<String, Object> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    if (map != null) {
      map.forEach((k, v) -> copy.put(k, deepCopyValue(v)));
    }
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopyValue(Object value) {
    if (value instanceof Map<?, ?> m) {
      return deepCopy((Map<String, Object>) m);
    }
    if (value instanceof List<?> l) {
      List<Object> copy = new ArrayList<>();
      l.forEach(item -> copy.add(deepCopyValue(item)));
      return copy;
    }
    return value;
  }

  /** True when the tree has an entry (even a null one) at the dotted path. */
  @SuppressWarnings("unchecked")
  public static boolean contains(Map<String, Object> tree, String dottedPath) {
    String[] parts = dottedPath.split("\\.");
    Object current = tree;
    for (int i = 0; i < parts.length; i++) {
      if (!(current instanceof Map)) {
        return false;
      }
      Map<String, Object> map = (Map<String, Object>) current;
      if (!map.containsKey(parts[i])) {
        return false;
      }
      current = map.get(parts[i]);
    }
    return true;
  }

  /**
   * The dotted paths of a tree's leaves: every entry whose value is not a non-empty map (lists are
   * leaves), in insertion order.
   */
  @SuppressWarnings("unchecked")
  public static List<String> leafPaths(Map<String, Object> tree) {
    List<String> paths = new ArrayList<>();
    tree.forEach(
        (key, value) -> {
          if (value instanceof Map<?, ?> map && !map.isEmpty()) {
            leafPaths((Map<String, Object>) map).forEach(p -> paths.add(key + "." + p));
          } else {
            paths.add(key);
          }
        });
    return paths;
  }

  /**
   * Emits a tree as block-style YAML with a header comment. Key order is the tree's insertion
   * order, so the same tree always gives the same bytes.
   */
  public static String dump(Map<String, Object> tree, String headerComment) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(0);
    options.setWidth(120);
    options.setSplitLines(false);
    options.setLineBreak(DumperOptions.LineBreak.UNIX);
    // Identical objects (shared empty lists, say) must be written out in full, never as anchors.
    options.setDereferenceAliases(true);
    Representer representer = new Representer(options);
    Yaml yaml = new Yaml(representer, options);
    StringBuilder out = new StringBuilder();
    if (headerComment != null) {
      for (String line : headerComment.split("\n", -1)) {
        out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
      }
    }
    out.append(yaml.dump(tree));
    return out.toString();
  }
}
