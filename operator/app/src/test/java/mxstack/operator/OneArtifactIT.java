package mxstack.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged Quarkus application is the one artifact for both targets: its jars also run the
 * Cloudron-mode code from plain main classes, without booting Quarkus (as the container image's
 * start.sh does).
 */
class OneArtifactIT {

  static final Path LIB = Path.of("target/quarkus-app/lib/main");

  @Test
  void theOperatorArtifactRunsCloudronMode() throws Exception {
    assertTrue(
        Files.isRegularFile(Path.of("target/quarkus-app/quarkus-run.jar")),
        "Kubernetes mode entry");
    Process validate =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                LIB + "/*",
                "mxstack.standalone.cli.Matrixctl",
                "validate",
                "../core/src/test/resources/golden/minimal/spec.yaml")
            .redirectErrorStream(true)
            .start();
    String out = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(validate.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, validate.exitValue(), out);
    assertTrue(out.contains("valid"), out);

    // The Cloudron main class is there and refuses arguments with its usage (exit 1).
    Process main =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                LIB + "/*",
                "mxstack.standalone.cloudron.CloudronMain",
                "--help")
            .redirectErrorStream(true)
            .start();
    String usage = new String(main.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(main.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, main.exitValue(), usage);
    assertTrue(usage.contains("Cloudron supervisor"), usage);
    assertTrue(
        List.of(LIB.toFile().list()).stream().anyMatch(n -> n.contains("quarkus-core")),
        "and the same directory is the Quarkus operator's");
  }
}
