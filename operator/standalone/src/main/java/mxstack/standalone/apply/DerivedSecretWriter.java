package mxstack.standalone.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.DerivedSecretFile;
import mxstack.core.plan.SecretPaths;
import mxstack.core.spec.SecretRef;
import mxstack.core.yaml.YamlTrees;

/**
 * Assembles derived secret files (a libpq password file, config fragments holding a password) from
 * the admin's secret files, with mode 0600. Values never appear in exceptions or logs.
 */
public final class DerivedSecretWriter {

  private final SecretPaths paths;

  /** Reads user secrets and writes derived files at the given paths. */
  public DerivedSecretWriter(SecretPaths paths) {
    this.paths = paths;
  }

  /** Writes every derived file; returns the names whose content changed. */
  public List<String> writeAll(List<DerivedSecretFile> files) throws IOException {
    List<String> changed = new ArrayList<>();
    for (DerivedSecretFile file : files) {
      byte[] content = render(file).getBytes(StandardCharsets.UTF_8);
      Path target = Path.of(paths.derived(file.name()));
      Files.createDirectories(target.getParent());
      if (ConfigWriter.write(target, content, 0600)) {
        changed.add(file.name());
      }
    }
    return changed;
  }

  String render(DerivedSecretFile file) throws IOException {
    return render(file, this::read);
  }

  /** Resolves a secret reference to its value; may fail with an IOException. */
  @FunctionalInterface
  public interface SecretValues {
    /** The value of the referenced secret, without surrounding whitespace. */
    String get(SecretRef ref) throws IOException;
  }

  /** The file's content, with secret values taken from {@code values}. */
  public static String render(DerivedSecretFile file, SecretValues values) throws IOException {
    return switch (file.format()) {
      case PGPASS -> pgpass(file, values);
      case YAML -> yaml(file, values);
    };
  }

  private static String pgpass(DerivedSecretFile file, SecretValues values) throws IOException {
    String user = String.valueOf(file.fields().get("user"));
    String password = values.get(file.secrets().get("password"));
    // Any host, port and database: the file belongs to one connection only.
    return "*:*:*:" + escape(user) + ":" + escape(password) + "\n";
  }

  @SuppressWarnings("unchecked")
  private static String yaml(DerivedSecretFile file, SecretValues values) throws IOException {
    Map<String, Object> tree = YamlTrees.deepCopy(file.fields());
    for (Map.Entry<String, SecretRef> entry : file.secrets().entrySet()) {
      String path = entry.getKey();
      String value = values.get(entry.getValue());
      int hash = path.indexOf('#');
      String dotted = hash < 0 ? path : path.substring(0, hash);
      String[] parts = dotted.split("\\.");
      Map<String, Object> parent = tree;
      for (int i = 0; i < parts.length - 1; i++) {
        parent = (Map<String, Object>) parent.get(parts[i]);
      }
      String leaf = parts[parts.length - 1];
      if (hash >= 0 && path.substring(hash + 1).equals("password")) {
        // A connection URI: put the password into its user-info part.
        String uri = (String) parent.get(leaf);
        int at = uri.indexOf('@');
        String encoded =
            java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
        parent.put(leaf, uri.substring(0, at) + ":" + encoded + uri.substring(at));
      } else {
        parent.put(leaf, value);
      }
    }
    return YamlTrees.dump(tree, "Generated from secrets; do not edit.");
  }

  private String read(SecretRef ref) throws IOException {
    Path path = Path.of(paths.user(ref));
    try {
      String value = Files.readString(path, StandardCharsets.UTF_8);
      return value.strip();
    } catch (NoSuchFileException e) {
      throw new IOException("secret file " + path + " (" + ref.describe() + ") does not exist");
    }
  }

  private static String escape(String field) {
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }
}
