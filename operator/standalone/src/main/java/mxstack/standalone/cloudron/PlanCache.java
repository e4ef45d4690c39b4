package mxstack.standalone.cloudron;

import java.io.File;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.Target;
import mxstack.core.spec.SecretRef;
import mxstack.standalone.apply.SecretTemplate;

/**
 * The last valid plan, kept in the data directory with a fingerprint of everything it was made
 * from: every environment variable, the application's jars, matrix.yaml and the set of generated
 * secrets. A container start whose inputs have that fingerprint would plan the same again, so the
 * supervisor applies the kept plan and skips the planning process; any other start plans afresh. It
 * holds no secret value: rendered configs only name secret files, and derived secret files are kept
 * as templates that are filled from the secret files at each start.
 */
final class PlanCache {

  /** The cache file, inside the data directory. */
  static final String FILE = ".mxstack/plan-cache";

  /**
   * A kept plan.
   *
   * @param fingerprint the inputs' fingerprint
   * @param files the rendered config files (relative to the target's config directory)
   * @param derived derived secret files by name, as templates
   * @param plan the planning step's result (processes and warnings)
   */
  record Entry(
      String fingerprint,
      List<PlannedFile> files,
      Map<String, SecretTemplate> derived,
      PlanWire.Result plan) {}

  private PlanCache() {}

  /**
   * The fingerprint of a start's inputs, or null when they cannot be known (an application that
   * runs from class directories, whose contents a fingerprint of file sizes would not see).
   *
   * @param adminText matrix.yaml's text, or null when the file does not exist
   */
  static String fingerprint(
      Map<String, String> env, CloudronLayout layout, Target target, String adminText)
      throws IOException {
    return fingerprint(env, layout, target, adminText, planClassPath());
  }

  /**
   * The planning step's class path: {@code -Dmxstack.plan.classpath} when set (start.sh gives the
   * resident supervisor only the two jars it needs, which makes its start faster, and the planning
   * step the whole application), else this process's own.
   */
  static String planClassPath() {
    return System.getProperty("mxstack.plan.classpath", System.getProperty("java.class.path"));
  }

  static String fingerprint(
      Map<String, String> env,
      CloudronLayout layout,
      Target target,
      String adminText,
      String classPath)
      throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      return null;
    }
    StringBuilder inputs = new StringBuilder("mxstack plan inputs 1\n");
    // NUL cannot occur in a variable, so no two environments give the same text.
    new TreeMap<>(env).forEach((k, v) -> inputs.append(k).append('=').append(v).append('\0'));
    // The layout comes from the environment, except the children's user.
    inputs.append("\nuser ").append(layout.runAsUser()).append('\n');
    for (String entry : jars(classPath)) {
      BasicFileAttributes jar = attributes(Path.of(entry));
      if (jar == null || !jar.isRegularFile()) {
        return null;
      }
      inputs.append("jar ").append(entry).append(' ').append(jar.size()).append(' ');
      inputs.append(jar.lastModifiedTime().toMillis()).append('\n');
    }
    Path secrets = Path.of(target.secretsDir());
    if (Files.isDirectory(secrets)) {
      try (Stream<Path> list = Files.list(secrets)) {
        for (Path p : list.sorted().toList()) {
          inputs.append("secret ").append(p.getFileName()).append('\n');
        }
      }
    }
    // What the planning step keeps about the install itself decides the plan too: the first
    // server name, the takeover, and where the move to MAS is (legacy or MAS mode).
    for (String kept :
        List.of(CloudronPlanStep.SERVER_NAME, Adoption.MARKER, MigrationRecord.FILE)) {
      Path file = layout.dataDir().resolve(kept);
      inputs.append("kept ").append(kept).append(' ');
      inputs.append(Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "-");
      inputs.append('\n');
    }
    inputs.append(adminText == null ? "no matrix.yaml" : "matrix.yaml\n" + adminText);
    return HexFormat.of()
        .formatHex(digest.digest(inputs.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Puts the kept plan's files in place when this start's inputs are the ones it was made from: the
   * rendered configs, the environment's secrets and the derived secret files, as the planning step
   * would write them. Returns the plan, or null when there is no kept plan for these inputs.
   *
   * @param adminText matrix.yaml's text, or null when the file does not exist
   */
  static PlanWire.Result applyIfCurrent(
      Map<String, String> env, CloudronLayout layout, Target target, String adminText)
      throws IOException {
    Path file = layout.dataDir().resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    // Nothing runs yet at a container start, so the kept files may go in place while the
    // fingerprint is worked out: if it differs, the planning step overwrites them before any
    // process starts.
    CompletableFuture<String> fingerprint =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return fingerprint(env, layout, target, adminText);
              } catch (IOException e) {
                return null;
              }
            },
            runnable -> new Thread(runnable, "fingerprint").start());
    Entry entry = decode(Files.readString(file, StandardCharsets.UTF_8));
    RuntimeFiles.createDirectories(layout, target);
    RuntimeFiles.writePlanFiles(
        layout,
        target,
        CloudronEnvironment.read(env, layout.environmentSecretsDir()).secrets(),
        entry.files(),
        entry.derived());
    if (!entry.fingerprint().equals(fingerprint.join())) {
      return null;
    }
    RuntimeFiles.giveOwnership(layout, target);
    return entry.plan();
  }

  /**
   * The class path's entries, sorted, with {@code dir/*} expanded to the directory's jars as the
   * java launcher does (the planning step sees the launcher's expansion, the resident the wildcard:
   * both must give the same list).
   */
  static List<String> jars(String classPath) throws IOException {
    List<String> entries = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.endsWith("/*")) {
        String dir = entry.substring(0, entry.length() - 1);
        try (Stream<Path> list = Files.list(Path.of(dir))) {
          list.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".jar") || n.endsWith(".JAR"))
              .forEach(n -> entries.add(dir + n));
        }
      } else if (!entry.isEmpty()) {
        entries.add(entry);
      }
    }
    entries.sort(null);
    return entries;
  }

  private static BasicFileAttributes attributes(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException e) {
      return null;
    }
  }

  static String encode(Entry entry) {
    StringBuilder out = new StringBuilder();
    PlanWire.line(out, "fingerprint", entry.fingerprint());
    for (PlannedFile file : entry.files()) {
      PlanWire.line(out, "file", file.path(), Integer.toOctalString(file.mode()), file.content());
    }
    entry
        .derived()
        .forEach(
            (name, template) -> {
              PlanWire.line(out, "derived", name, template.text());
              for (SecretTemplate.Slot slot : template.slots()) {
                PlanWire.line(out, "slot", slot.token(), slot.ref().file(), slot.encoding().name());
              }
            });
    return out.append(PlanWire.encode(entry.plan())).toString();
  }

  /** The entry in {@code text}; throws IllegalArgumentException when it is not one. */
  static Entry decode(String text) {
    String fingerprint = null;
    List<PlannedFile> files = new ArrayList<>();
    Map<String, SecretTemplate> derived = new TreeMap<>();
    String derivedName = null;
    String derivedText = null;
    List<SecretTemplate.Slot> slots = new ArrayList<>();
    StringBuilder wire = new StringBuilder();
    for (String raw : text.split("\n")) {
      String[] parts = raw.split(" ", -1);
      List<String> args = new ArrayList<>();
      for (int i = 1; i < parts.length; i++) {
        args.add(URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
      }
      switch (parts[0]) {
        case "fingerprint" -> fingerprint = args.get(0);
        case "file" ->
            files.add(new PlannedFile(args.get(0), args.get(2), Integer.parseInt(args.get(1), 8)));
        case "derived" -> {
          if (derivedName != null) {
            derived.put(derivedName, new SecretTemplate(derivedText, List.copyOf(slots)));
          }
          derivedName = args.get(0);
          derivedText = args.get(1);
          slots.clear();
        }
        case "slot" ->
            slots.add(
                new SecretTemplate.Slot(
                    args.get(0),
                    new SecretRef(args.get(1), null, null),
                    SecretTemplate.Encoding.valueOf(args.get(2))));
        default -> wire.append(raw).append('\n');
      }
    }
    if (derivedName != null) {
      derived.put(derivedName, new SecretTemplate(derivedText, List.copyOf(slots)));
    }
    if (fingerprint == null) {
      throw new IllegalArgumentException("no fingerprint");
    }
    return new Entry(fingerprint, files, derived, PlanWire.decode(wire.toString()));
  }
}
