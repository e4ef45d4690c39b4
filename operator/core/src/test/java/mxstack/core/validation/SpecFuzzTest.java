package mxstack.core.validation;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.render.SynapseConfigRenderer;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.yaml.YamlTrees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Feeds {@link SpecReader#load} thousands of mutated golden specs. Whatever the input, loading
 * either yields a document or a {@link SpecInvalidException} with a path and message for every
 * problem (never another exception, never an error, never a hang), and a document it accepts must
 * plan and render YAML that parses. Mutations that certainly break a document must be rejected at
 * the mutated field.
 *
 * <p>Every document is generated from {@link #SEED} and its number alone, so a failure message
 * (which prints both, with the document) reproduces with {@link #generate(int)}.
 */
class SpecFuzzTest {

  static final long SEED = 0x6d78737461636bL; // "mxstack"
  static final int DOCUMENTS = 10_000;
  static final int BATCH = 500;

  /**
   * Hang guard for one document, growing with its size: generous enough for a loaded machine, and
   * still far below what work growing faster than the input (a quadratic merge, an alias-expansion
   * bomb) takes on the largest documents.
   */
  static final Duration PER_DOCUMENT = Duration.ofSeconds(5);

  static final long NANOS_PER_CHARACTER = 10_000;
  static final Duration PER_BATCH = Duration.ofSeconds(300);
  static final Path GOLDEN = Path.of("src/test/resources/golden");

  /** One golden spec, with the places targeted mutations may change. */
  record Golden(String name, String text, List<StringField> stringFields, List<KeyLine> keyLines) {}

  /** A plain text value of a String record field: its path and character range. */
  record StringField(String path, int start, int end) {}

  /** A line that starts with a key of a record mapping: a new key here joins that mapping. */
  record KeyLine(String mappingPath, int lineStart, int indent, List<String> fields) {}

  /** What a targeted mutation guarantees: rejection with a violation at this path. */
  record Expected(String path, String messagePart) {}

  /** A generated document. */
  record Case(int number, String golden, String mutations, String text, Expected expected) {}

  static List<Golden> goldens;

  @BeforeAll
  static void readGoldens() throws IOException {
    List<Golden> list = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(GOLDEN)) {
      for (Path spec :
          dirs.map(d -> d.resolve("spec.yaml")).filter(Files::isRegularFile).sorted().toList()) {
        String text = Files.readString(spec, StandardCharsets.UTF_8);
        List<StringField> strings = new ArrayList<>();
        List<KeyLine> keys = new ArrayList<>();
        survey(text, YamlTrees.compose(text), MatrixDeploymentDocument.class, "", strings, keys);
        list.add(new Golden(spec.getParent().getFileName().toString(), text, strings, keys));
      }
    }
    assertTrue(list.size() >= 5, "expected at least 5 golden specs, found " + list.size());
    for (Golden golden : list) {
      assertTrue(!golden.stringFields().isEmpty() && !golden.keyLines().isEmpty(), golden.name());
      assertTrue(golden.text().contains("\n  serverName: "), golden.name());
    }
    goldens = List.copyOf(list);
  }

  /** Walks a golden spec's nodes alongside the record types, noting string fields and key lines. */
  private static void survey(
      String text,
      Node node,
      Type type,
      String path,
      List<StringField> strings,
      List<KeyLine> keys) {
    Class<?> raw =
        type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    if (raw.isRecord() && node instanceof MappingNode mapping) {
      List<String> fields =
          Stream.of(raw.getRecordComponents()).map(RecordComponent::getName).toList();
      for (NodeTuple tuple : mapping.getValue()) {
        ScalarNode key = (ScalarNode) tuple.getKeyNode();
        String childPath = path.isEmpty() ? key.getValue() : path + "." + key.getValue();
        int keyIndex = key.getStartMark().getIndex();
        int lineStart = text.lastIndexOf('\n', keyIndex - 1) + 1;
        if (text.substring(lineStart, keyIndex).isBlank()) {
          keys.add(new KeyLine(path, lineStart, keyIndex - lineStart, fields));
        }
        RecordComponent component =
            Stream.of(raw.getRecordComponents())
                .filter(c -> c.getName().equals(key.getValue()))
                .findFirst()
                .orElseThrow();
        Node value = tuple.getValueNode();
        if (component.getType() == String.class
            && value instanceof ScalarNode scalar
            && scalar.getTag().equals(Tag.STR)) {
          strings.add(
              new StringField(
                  childPath, value.getStartMark().getIndex(), value.getEndMark().getIndex()));
        }
        survey(text, value, component.getGenericType(), childPath, strings, keys);
      }
    } else if (List.class.isAssignableFrom(raw) && node instanceof SequenceNode sequence) {
      Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
      for (int i = 0; i < sequence.getValue().size(); i++) {
        survey(text, sequence.getValue().get(i), element, path + "[" + i + "]", strings, keys);
      }
    }
  }

  @Test
  void mutatedSpecsAreAcceptedSoundlyOrRejectedCleanly() {
    int[] totals = new int[3]; // accepted, rejected, targeted
    for (int first = 0; first < DOCUMENTS; first += BATCH) {
      int from = first;
      int to = Math.min(DOCUMENTS, first + BATCH);
      int[] counts =
          assertTimeoutPreemptively(
              PER_BATCH,
              () -> {
                int[] batch = new int[3];
                for (int number = from; number < to; number++) {
                  Case c = generate(number);
                  batch[check(c) ? 0 : 1]++;
                  batch[2] += c.expected() == null ? 0 : 1;
                }
                return batch;
              },
              () -> "documents " + from + " to " + (to - 1) + " (seed " + SEED + ") took too long");
      for (int i = 0; i < totals.length; i++) {
        totals[i] += counts[i];
      }
    }
    System.out.printf(
        "SpecFuzzTest: seed %d, %d documents: %d accepted, %d rejected, %d targeted%n",
        SEED, DOCUMENTS, totals[0], totals[1], totals[2]);
    // Both outcomes must be exercised, or the checks above prove little.
    assertTrue(totals[0] > DOCUMENTS / 20, "too few documents accepted: " + totals[0]);
    assertTrue(totals[1] > DOCUMENTS / 2, "too few documents rejected: " + totals[1]);
    assertTrue(totals[2] > DOCUMENTS / 10, "too few targeted mutations: " + totals[2]);
  }

  /** Document {@code number}: a golden spec and its mutations, from the seed and number alone. */
  static Case generate(int number) {
    Random random = new Random(SEED ^ (number * 0x9E3779B97F4A7C15L));
    Golden golden = goldens.get(random.nextInt(goldens.size()));
    String text = golden.text();
    int roll = random.nextInt(100);
    if (roll < 8) {
      KeyLine line = golden.keyLines().get(random.nextInt(golden.keyLines().size()));
      String key = unknownKey(random, line.fields());
      String value = pick(random, "1", "x", "{a: b}", "[1, 2]", "", "~", "\"quoted\"");
      String inserted =
          " ".repeat(line.indent()) + key + ":" + (value.isEmpty() ? "" : " " + value);
      String path = line.mappingPath().isEmpty() ? key : line.mappingPath() + "." + key;
      return new Case(
          number,
          golden.name(),
          "insert unknown key " + path,
          text.substring(0, line.lineStart()) + inserted + "\n" + text.substring(line.lineStart()),
          new Expected(path, "unknown field '" + key + "'"));
    }
    if (roll < 16) {
      StringField field = golden.stringFields().get(random.nextInt(golden.stringFields().size()));
      String mapping =
          pick(random, "{injected: value}", "{a: {b: c}}", "{}", "{\"k\": [1, 2]}", "{? x}");
      return new Case(
          number,
          golden.name(),
          "replace the string " + field.path() + " by " + mapping,
          text.substring(0, field.start()) + mapping + text.substring(field.end()),
          new Expected(field.path(), "must be a string, not a mapping"));
    }
    if (roll < 20) {
      return new Case(
          number,
          golden.name(),
          "delete the serverName line",
          text.replaceFirst("\n  serverName: [^\n]*\n", "\n"),
          new Expected("spec.serverName", "is required"));
    }
    if (roll < 22) {
      return heavy(number, golden, random);
    }
    int operators = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
    StringBuilder described = new StringBuilder();
    for (int i = 0; i < operators; i++) {
      Mutation mutation = mutate(text, random);
      text = mutation.text();
      described.append(i == 0 ? "" : ", then ").append(mutation.description());
    }
    return new Case(number, golden.name(), described.toString(), text, null);
  }

  record Mutation(String description, String text) {}

  private static Mutation mutate(String text, Random random) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    int line = random.nextInt(lines.size());
    switch (random.nextInt(12)) {
      case 0 -> {
        lines.remove(line);
        return new Mutation("delete line " + (line + 1), String.join("\n", lines));
      }
      case 1 -> {
        lines.add(line, lines.get(line));
        return new Mutation("duplicate line " + (line + 1), String.join("\n", lines));
      }
      case 2 -> {
        int other = random.nextInt(lines.size());
        String swap = lines.get(line);
        lines.set(line, lines.get(other));
        lines.set(other, swap);
        return new Mutation(
            "swap lines " + (line + 1) + " and " + (other + 1), String.join("\n", lines));
      }
      case 3 -> {
        String original = lines.get(line);
        String stripped = original.stripLeading();
        int indent = original.length() - stripped.length();
        String changed =
            switch (random.nextInt(3)) {
              case 0 -> " ".repeat(indent + 1 + random.nextInt(4)) + stripped;
              case 1 -> " ".repeat(Math.max(0, indent - 1 - random.nextInt(4))) + stripped;
              default -> "\t" + stripped;
            };
        lines.set(line, changed);
        return new Mutation("re-indent line " + (line + 1), String.join("\n", lines));
      }
      case 4, 5 -> {
        return replaceScalar(lines, random, false);
      }
      case 6 -> {
        int at = random.nextInt(text.length() + 1);
        StringBuilder noise = new StringBuilder();
        int count = 1 + random.nextInt(8);
        for (int i = 0; i < count; i++) {
          noise.append(NOISE[random.nextInt(NOISE.length)]);
        }
        return new Mutation(
            "insert " + escape(noise.toString()) + " at offset " + at,
            text.substring(0, at) + noise + text.substring(at));
      }
      case 7 -> {
        int at = random.nextInt(text.length() + 1);
        return new Mutation("truncate at offset " + at, text.substring(0, at));
      }
      case 8 -> {
        String filler =
            pick(random, "", "# a comment", "   # indented comment", "---", "%YAML 1.1", "  ");
        lines.add(line, filler);
        return new Mutation(
            "insert '" + filler + "' before line " + (line + 1), String.join("\n", lines));
      }
      case 9 -> {
        return requote(lines, random);
      }
      case 10 -> {
        return replaceScalar(lines, random, true);
      }
      default -> {
        String key = unknownKey(random, List.of());
        String inserted = " ".repeat(2 * random.nextInt(6)) + key + ": " + random.nextInt(100);
        lines.add(line, inserted);
        return new Mutation(
            "insert '" + inserted + "' before line " + (line + 1), String.join("\n", lines));
      }
    }
  }

  private static final Pattern KEY_VALUE =
      Pattern.compile("^(\\s*(?:- )?[^\\s#:-][^:]*:)( +)(\\S.*)$");

  private static final String[] NOISE = {
    "\0",
    "\u0001",
    "\u0007",
    "\u001b",
    "\t",
    "\n",
    "\r",
    "\r\n",
    " ",
    "  ",
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    ":",
    ": ",
    ",",
    "#",
    "&",
    "*",
    "!",
    "!!",
    "|",
    ">",
    "%",
    "@",
    "`",
    "-",
    "- ",
    "?",
    "\\",
    "é",
    "日本",
    "🎉",
    "\uD800",
    "\uDC00",
    "\uFEFF",
    "\u2028",
    "\u0085",
    "\u00a0",
    "\u200b",
    "\u202e",
    "\uFFFE",
    "\uFFFF",
    "~",
    "x",
    "Z",
    "0",
    "9",
    "=",
    "<<",
    "---",
    "...",
    "\u0000\u0000"
  };

  /** Writes a plain value of a key: value line in quotes, which keeps text and breaks numbers. */
  private static Mutation requote(List<String> lines, Random random) {
    List<Integer> candidates = keyValueLines(lines);
    if (candidates.isEmpty()) {
      return new Mutation("nothing to quote", String.join("\n", lines));
    }
    int line = candidates.get(random.nextInt(candidates.size()));
    Matcher m = KEY_VALUE.matcher(lines.get(line));
    m.matches();
    String value = m.group(3);
    String quoted =
        random.nextBoolean()
            ? "'" + value.replace("'", "''") + "'"
            : "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    lines.set(line, m.group(1) + " " + quoted);
    return new Mutation("quote the value on line " + (line + 1), String.join("\n", lines));
  }

  private static List<Integer> keyValueLines(List<String> lines) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (KEY_VALUE.matcher(lines.get(i)).matches()) {
        candidates.add(i);
      }
    }
    return candidates;
  }

  private static Mutation replaceScalar(List<String> lines, Random random, boolean plausible) {
    List<Integer> candidates = keyValueLines(lines);
    if (candidates.isEmpty()) {
      return new Mutation("no scalar to replace", String.join("\n", lines));
    }
    int line = candidates.get(random.nextInt(candidates.size()));
    Matcher m = KEY_VALUE.matcher(lines.get(line));
    m.matches();
    String replacement = plausible ? plausibleValue(random) : replacementValue(random);
    lines.set(line, m.group(1) + " " + replacement);
    String shown = replacement.length() > 60 ? replacement.substring(0, 60) + "..." : replacement;
    return new Mutation(
        "replace the value on line " + (line + 1) + " by " + escape(shown),
        String.join("\n", lines));
  }

  private static String replacementValue(Random random) {
    return switch (random.nextInt(12)) {
      case 0 ->
          pick(
              random,
              "42",
              "-1",
              "0",
              "3.14",
              "1e309",
              "99999999999999999999999",
              "0x1F",
              "0o17",
              "017",
              "1:30",
              ".inf",
              "-.inf",
              ".nan",
              "1_000",
              "65536",
              "2147483648");
      case 1 -> pick(random, "true", "false", "yes", "no", "on", "off", "True", "Y");
      case 2 -> pick(random, "[a, b]", "[]", "[[1, 2], {a: b}]", "[~]", "[openid]", "[\"\"]");
      case 3 -> pick(random, "{a: 1}", "{}", "{serverName: x}", "{file: /x}", "{a: [b, {c: d}]}");
      case 4 -> pick(random, "~", "null", "Null", "\"\"", "''", "\"  \"");
      case 5 -> "\"" + "x".repeat(1_000 + random.nextInt(100_000)) + "\"";
      case 6 ->
          pick(
              random,
              "\"ñ日本語🎉\u200b\u202e\"",
              "ünïcödé",
              "\"\\u0000\"",
              "\"\\uD800\"",
              "'\t'",
              "\"a\\nb\"",
              "\"line\\u2028break\"",
              "Ｆｕｌｌｗｉｄｔｈ.example.com",
              "xn--e1afmkfd.example.com");
      case 7 ->
          pick(
              random,
              "*alias",
              "*a",
              "&anchor value",
              "&a [1, *a]",
              "&a x",
              "&a {b: *a}",
              "<<: *a",
              "&");
      case 8 ->
          pick(
              random,
              "!!python/object:os.system ['id']",
              "!!python/object/apply:os.system ['id']",
              "!!binary aGVsbG8=",
              "!!set {a, b}",
              "!!omap [{a: 1}]",
              "!!bool maybe",
              "!!int x",
              "!!float y",
              "!!str 12",
              "!!timestamp 2001-12-14",
              "!custom x",
              "!<tag:example.com,2000:x> y",
              "!!map {a: 1}",
              "!!seq [a]",
              "!!null ''");
      case 9 ->
          pick(
              random,
              "{",
              "[",
              "}",
              "]",
              "\"unterminated",
              "'unterminated",
              "|",
              ">",
              "- a",
              ": b",
              "a: b",
              "#comment",
              "% x",
              "@x",
              "`x`",
              "? x",
              "---",
              "...");
      case 10 ->
          pick(
              random,
              "\"${env:HOME}\"",
              "\"{{ 7*7 }}\"",
              "../../etc/passwd",
              "/etc/passwd",
              "\"/etc/secrets/a\\nb\"",
              "https://evil.example.com",
              "http://x",
              "https://[::1]:8448",
              "https://user@host.example.com",
              "https://x.example.com:0",
              "https://x.example.com:99999",
              "postgresql://u:p@h/d",
              "postgresql://u@h:5432/d?sslmode=verify-full",
              "postgresql://u@h/d?sslmode=bogus",
              "postgresql://%zz@h/d");
      default -> plausibleValue(random);
    };
  }

  /** Values that are valid somewhere in a spec, so the mutated document may well be accepted. */
  private static String plausibleValue(Random random) {
    return pick(
        random,
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "oidc-x",
        "oidc",
        "verify-full",
        "none",
        "legacy",
        "mas",
        "syn2mas",
        "1G",
        "512K",
        "10Gi",
        "1h",
        "example.com:8448",
        "10.0.0.1",
        "\"Matrix <m@example.com>\"",
        "\"{{ user.name }}\"",
        "require",
        "force");
  }

  /** Hostile sizes and shapes, each at most a few megabytes of text. */
  private static Case heavy(int number, Golden golden, Random random) {
    String text = golden.text();
    String description;
    String mutated;
    Expected expected = null;
    switch (random.nextInt(7)) {
      case 0 -> {
        int depth = 100 + random.nextInt(300);
        boolean closed = random.nextBoolean();
        description = depth + " levels of '['" + (closed ? ", closed" : "");
        mutated =
            text.replace(
                "\n  serverName: ",
                "\n  serverName: "
                    + "[".repeat(depth)
                    + (closed ? "]".repeat(depth) : "")
                    + "\n  unused: ");
      }
      case 1 -> {
        int depth = 100 + random.nextInt(300);
        StringBuilder nested = new StringBuilder("deep:\n");
        for (int i = 1; i <= depth; i++) {
          nested.append(" ".repeat(i)).append("a:\n");
        }
        description = depth + " levels of block mappings";
        mutated = text + nested;
      }
      case 2 -> {
        StringBuilder bomb = new StringBuilder("lol0: &a0 [");
        bomb.append("\"lol\", ".repeat(8)).append("\"lol\"]\n");
        for (int level = 1; level <= 9; level++) {
          bomb.append("lol").append(level).append(": &a").append(level).append(" [");
          bomb.append(("*a" + (level - 1) + ", ").repeat(8)).append("*a").append(level - 1);
          bomb.append("]\n");
        }
        description = "billion laughs";
        mutated = text + bomb;
      }
      case 3 -> {
        int width = 10 + random.nextInt(5_000);
        description = "alias bomb under the alias count, width " + width;
        mutated = text + "bomb:\n" + InvalidSpecTableTest.leanAliasBomb(width);
      }
      case 4 -> {
        int size = 2 * 1024 * 1024 + random.nextInt(1024);
        description = size + " characters of comment";
        mutated = text + "# " + "x".repeat(size) + "\n";
        expected = new Expected("(document)", "is longer than");
      }
      case 5 -> {
        int size = 2 * 1024 * 1024 + random.nextInt(1024);
        description = "a " + size + " character string value";
        mutated =
            text.replace("\n  serverName: ", "\n  serverName: " + "x".repeat(size) + "\n  x: ");
        expected = new Expected("(document)", "is longer than");
      }
      default -> {
        int size = 500_000 + random.nextInt(400_000);
        description = "a " + size + " character additionalConfig value";
        mutated =
            text.contains("\n  homeserver:\n")
                ? text.replace(
                    "\n  homeserver:\n",
                    "\n  homeserver:\n    additionalConfig:\n      big: " + "y".repeat(size) + "\n")
                : text;
      }
    }
    return new Case(number, golden.name(), description, mutated, expected);
  }

  /** Checks one document; returns whether it was accepted. */
  private static boolean check(Case c) {
    long start = System.nanoTime();
    MatrixDeploymentDocument document = null;
    List<Violation> violations = List.of();
    try {
      document = SpecReader.load(c.text());
    } catch (SpecInvalidException e) {
      violations = e.violations();
    } catch (Throwable t) { // StackOverflowError, OutOfMemoryError, NullPointerException, ...
      failed(c, "SpecReader.load threw " + t, t);
    }
    long nanos = System.nanoTime() - start;
    if (document == null) {
      checkViolations(c, violations);
    } else {
      if (c.expected() != null) {
        failed(c, "accepted a document that must be rejected at " + c.expected().path(), null);
      }
      nanos += planAndParse(c, document);
    }
    Duration budget = PER_DOCUMENT.plusNanos(NANOS_PER_CHARACTER * c.text().length());
    if (nanos > budget.toNanos()) {
      failed(
          c,
          "loading and planning took "
              + nanos / 1_000_000
              + " ms, more than the "
              + budget.toMillis()
              + " ms allowed for "
              + c.text().length()
              + " characters",
          null);
    }
    return document != null;
  }

  private static void checkViolations(Case c, List<Violation> violations) {
    if (violations.isEmpty()) {
      failed(c, "rejected without a violation", null);
    }
    for (Violation v : violations) {
      if (v.path() == null || v.path().isBlank() || v.message() == null || v.message().isBlank()) {
        failed(c, "a violation without path or message: " + v, null);
      }
      if (v.message().contains("could not be checked completely")
          || v.message().startsWith("cannot be read: ")) {
        failed(c, "a check crashed or the shape check missed a problem: " + v, null);
      }
      if (v.line() < 0 || v.column() < 0 || (v.line() == 0) != (v.column() == 0)) {
        failed(c, "a violation with a bad position: " + v, null);
      }
    }
    Expected expected = c.expected();
    if (expected != null
        && violations.stream()
            .noneMatch(
                v ->
                    v.path().equals(expected.path())
                        && v.message().contains(expected.messagePart()))) {
      failed(
          c,
          "expected a violation at "
              + expected.path()
              + " containing '"
              + expected.messagePart()
              + "', got "
              + violations,
          null);
    }
  }

  /** The kind of target a golden spec is written for. */
  private static String readTarget(String golden) {
    try {
      return Files.readString(GOLDEN.resolve(golden).resolve("target")).trim();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * An accepted document must plan, and its rendered YAML files must parse as plain data. Returns
   * the nanoseconds planning took (parsing the output is the test's own work).
   */
  private static long planAndParse(Case c, MatrixDeploymentDocument document) {
    // the target the golden spec is written for (its secret references are that target's kind)
    Target target =
        Files.exists(GOLDEN.resolve(c.golden()).resolve("target"))
                && readTarget(c.golden()).equals("kubernetes")
            ? Target.kubernetes("synapse", "mas")
            : Target.cloudron();
    DesiredState plan = null;
    long start = System.nanoTime();
    try {
      plan = Planner.plan(document.spec(), SecretPaths.of(target), target);
    } catch (SpecInvalidException e) {
      failed(c, "SpecReader accepted it, but the planner rejects it: " + e.getMessage(), e);
    } catch (Throwable t) {
      failed(c, "Planner.plan threw " + t, t);
    }
    long planning = System.nanoTime() - start;
    boolean homeserver = false;
    for (PlannedFile file : plan.files()) {
      if (!file.path().endsWith(".yaml")) {
        continue;
      }
      homeserver |= file.path().equals(SynapseConfigRenderer.HOMESERVER_YAML);
      try {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(16 * 1024 * 1024);
        Object tree = new Yaml(new SafeConstructor(options)).load(file.content());
        if (!(tree instanceof Map)) {
          failed(c, file.path() + " is not a YAML mapping:\n" + shorten(file.content()), null);
        }
        String odd = oddValue(tree, "");
        if (odd != null) {
          failed(c, file.path() + " holds " + odd + ":\n" + shorten(file.content()), null);
        }
      } catch (RuntimeException e) {
        failed(c, file.path() + " does not parse: " + e + "\n" + shorten(file.content()), e);
      }
    }
    if (!homeserver) {
      failed(c, "the plan has no " + SynapseConfigRenderer.HOMESERVER_YAML, null);
    }
    return planning;
  }

  /**
   * The first value in a parsed config that is not plain data (maps, lists, text, numbers,
   * booleans, null), such as the bytes of a !!binary value, or null when there is none.
   */
  private static String oddValue(Object value, String path) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String odd =
            entry.getKey() instanceof String || entry.getKey() instanceof Number
                ? oddValue(entry.getValue(), path + "." + entry.getKey())
                : "the key " + entry.getKey() + " at " + path;
        if (odd != null) {
          return odd;
        }
      }
      return null;
    }
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        String odd = oddValue(list.get(i), path + "[" + i + "]");
        if (odd != null) {
          return odd;
        }
      }
      return null;
    }
    if (value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean) {
      return null;
    }
    return "a " + value.getClass().getSimpleName() + " at " + path;
  }

  private static void failed(Case c, String problem, Throwable cause) {
    String message =
        "fuzz document "
            + c.number()
            + " (seed "
            + SEED
            + ", golden "
            + c.golden()
            + ", mutations: "
            + c.mutations()
            + "): "
            + problem
            + "\n--- document ---\n"
            + shorten(c.text());
    if (cause != null) {
      fail(message, cause);
    }
    fail(message);
  }

  private static String shorten(String text) {
    return text.length() <= 4_000
        ? text
        : text.substring(0, 4_000) + "\n[... " + (text.length() - 4_000) + " more characters]";
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder("'");
    text.codePoints()
        .forEach(
            cp -> {
              if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp > 0xfff0) {
                out.append(String.format("\\u%04x", cp));
              } else if (Character.isSurrogate((char) cp) && cp <= 0xffff) {
                out.append(String.format("\\u%04x", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    return out.append("'").toString();
  }

  private static String unknownKey(Random random, List<String> fields) {
    String key;
    do {
      StringBuilder name = new StringBuilder("zz");
      for (int i = 0; i < 6; i++) {
        name.append((char) ('a' + random.nextInt(26)));
      }
      key = name.toString();
    } while (fields.contains(key));
    return key;
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... choices) {
    return choices[random.nextInt(choices.length)];
  }
}
