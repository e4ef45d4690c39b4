package mxstack.standalone.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
    return writeAll(templates(files));
  }

  /**
   * Each file's template by name, in plan order, every secret named by the file it is read from:
   * such a template can be kept and filled later without the spec (a Cloudron start from the saved
   * plan).
   */
  public Map<String, SecretTemplate> templates(List<DerivedSecretFile> files) {
    Map<String, SecretTemplate> templates = new LinkedHashMap<>();
    for (DerivedSecretFile file : files) {
      SecretTemplate template = template(file);
      List<SecretTemplate.Slot> slots = new ArrayList<>();
      for (SecretTemplate.Slot slot : template.slots()) {
        SecretRef source = new SecretRef(paths.user(slot.ref()), null, null);
        slots.add(new SecretTemplate.Slot(slot.token(), source, slot.encoding()));
      }
      templates.put(file.name(), new SecretTemplate(template.text(), List.copyOf(slots)));
    }
    return templates;
  }

  /** Fills each template from the secret files and writes it, mode 0600; returns the changed. */
  public List<String> writeAll(Map<String, SecretTemplate> templates) throws IOException {
    try (ConfigWriter.Batch batch = new ConfigWriter.Batch()) {
      List<String> changed = stageAll(batch, templates);
      batch.commit();
      return changed;
    }
  }

  /** Fills each template and stages it in {@code batch}, mode 0600; returns those that change. */
  public List<String> stageAll(ConfigWriter.Batch batch, Map<String, SecretTemplate> templates)
      throws IOException {
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, SecretTemplate> entry : templates.entrySet()) {
      byte[] content = entry.getValue().fill(this::read).getBytes(StandardCharsets.UTF_8);
      if (batch.stage(Path.of(paths.derived(entry.getKey())), content, 0600)) {
        changed.add(entry.getKey());
      }
    }
    return changed;
  }

  /** Resolves a secret reference to its value; may fail with an IOException. */
  @FunctionalInterface
  public interface SecretValues extends SecretTemplate.Values {}

  /** The file's content, with secret values taken from {@code values}. */
  public static String render(DerivedSecretFile file, SecretValues values) throws IOException {
    return template(file).fill(values);
  }

  /**
   * The file's text with a token where each secret value goes. The tokens carry a random part, so
   * no configured text can pass for one.
   */
  public static SecretTemplate template(DerivedSecretFile file) {
    String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    return switch (file.format()) {
      case PGPASS -> pgpass(file, nonce);
      case YAML -> yaml(file, nonce);
    };
  }

  private static SecretTemplate pgpass(DerivedSecretFile file, String nonce) {
    String user = String.valueOf(file.fields().get("user"));
    String token = "mxstacksecret0n" + nonce;
    // Any host, port and database: the file belongs to one connection only.
    return new SecretTemplate(
        "*:*:*:" + SecretTemplate.pgpassField(user) + ":" + token + "\n",
        List.of(
            new SecretTemplate.Slot(
                token, file.secrets().get("password"), SecretTemplate.Encoding.PGPASS_FIELD)));
  }

  @SuppressWarnings("unchecked")
  private static SecretTemplate yaml(DerivedSecretFile file, String nonce) {
    Map<String, Object> tree = YamlTrees.deepCopy(file.fields());
    List<SecretTemplate.Slot> slots = new ArrayList<>();
    for (Map.Entry<String, SecretRef> entry : file.secrets().entrySet()) {
      String path = entry.getKey();
      String token = "mxstacksecret" + slots.size() + "n" + nonce;
      int hash = path.indexOf('#');
      String dotted = hash < 0 ? path : path.substring(0, hash);
      String[] parts = dotted.split("\\.");
      Map<String, Object> parent = tree;
      for (int i = 0; i < parts.length - 1; i++) {
        parent = (Map<String, Object>) parent.get(parts[i]);
      }
      String leaf = parts[parts.length - 1];
      if (hash >= 0 && path.substring(hash + 1).equals("password")) {
        // A connection URI: the password goes into its user-info part.
        String uri = (String) parent.get(leaf);
        int at = uri.indexOf('@');
        parent.put(leaf, uri.substring(0, at) + ":" + token + uri.substring(at));
        slots.add(
            new SecretTemplate.Slot(token, entry.getValue(), SecretTemplate.Encoding.URI_USERINFO));
      } else {
        parent.put(leaf, token);
        slots.add(
            new SecretTemplate.Slot(token, entry.getValue(), SecretTemplate.Encoding.YAML_STRING));
      }
    }
    return new SecretTemplate(
        YamlTrees.dump(tree, "Generated from secrets; do not edit."), List.copyOf(slots));
  }

  private String read(SecretRef ref) throws IOException {
    return SecretTemplate.read(Path.of(paths.user(ref)), ref.describe());
  }
}
