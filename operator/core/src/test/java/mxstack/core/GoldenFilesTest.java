package mxstack.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.PlanSummary;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecReader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every rendered file of every case under {@code src/test/resources/golden} must equal the
 * committed expectation byte for byte. Run with {@code -Dgolden.update=true} to rewrite the
 * expectations, then review the diff.
 */
class GoldenFilesTest {

  static final Path GOLDEN = Path.of("src/test/resources/golden");

  @TestFactory
  Stream<DynamicTest> renderedFilesMatchGoldenFiles() throws IOException {
    List<Path> cases = GoldenCases.all();
    assertTrue(cases.size() >= 5, "expected at least 5 golden cases, found " + cases);
    return cases.stream()
        .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private static void check(Path dir) throws Exception {
    Map<String, String> actual = GoldenCases.render(dir);
    Map<String, String> again = GoldenCases.render(dir);
    assertEquals(actual, again, "rendering the same spec twice must give identical bytes");

    Path expectedDir = dir.resolve("expected");
    if (Boolean.getBoolean("golden.update")) {
      if (Files.exists(expectedDir)) {
        try (Stream<Path> old = Files.walk(expectedDir)) {
          old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
      for (Map.Entry<String, String> e : actual.entrySet()) {
        Path out = expectedDir.resolve(e.getKey());
        Files.createDirectories(out.getParent());
        Files.writeString(out, e.getValue(), StandardCharsets.UTF_8);
      }
      return;
    }
    Map<String, String> expected = new TreeMap<>();
    try (Stream<Path> files = Files.walk(expectedDir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        expected.put(
            expectedDir.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    assertEquals(
        expected.keySet(),
        actual.keySet(),
        "set of rendered files differs (rerun with -Dgolden.update=true and review)");
    for (String path : expected.keySet()) {
      assertEquals(
          expected.get(path),
          actual.get(path),
          dir.getFileName() + "/" + path + " differs (rerun with -Dgolden.update=true and review)");
    }
  }

  /** The golden cases and how each is rendered. */
  static final class GoldenCases {
    static List<Path> all() throws IOException {
      List<Path> cases = new ArrayList<>();
      try (Stream<Path> dirs = Files.list(GOLDEN)) {
        dirs.filter(d -> Files.exists(d.resolve("spec.yaml"))).sorted().forEach(cases::add);
      }
      return cases;
    }

    static Target targetFor(Path dir) throws IOException {
      Path marker = dir.resolve("target");
      String kind = Files.exists(marker) ? Files.readString(marker).trim() : "cloudron";
      return kind.equals("kubernetes") ? Target.kubernetes("synapse", "mas") : Target.cloudron();
    }

    static DesiredState plan(Path dir) throws Exception {
      MatrixDeploymentDocument doc =
          SpecReader.load(Files.readString(dir.resolve("spec.yaml"), StandardCharsets.UTF_8));
      Target target = targetFor(dir);
      return Planner.plan(doc.spec(), SecretPaths.of(target), target);
    }

    static Map<String, String> render(Path dir) throws Exception {
      DesiredState plan = plan(dir);
      Map<String, String> out = new TreeMap<>();
      for (PlannedFile f : plan.files()) {
        out.put(f.path(), f.content());
      }
      out.put("plan.yaml", PlanSummary.toYaml(plan));
      return out;
    }
  }
}
