package mxstack.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /**
   * The image runs the resident supervisor on two of these jars (core and standalone) and its
   * planning step on all of them, and trains a class-data archive on two such starts at build time:
   * a start that plans and one from the saved plan both work with that class path. The children's
   * programs do not exist here (as at build time, they cannot run), so this checks the supervisor's
   * own code paths; the Synapse tests run it with real children.
   */
  @Test
  void theResidentRunsOnTheCoreAndStandaloneJarsAlone(@TempDir Path dir) throws Exception {
    Path resident = Files.createDirectories(dir.resolve("supervisor"));
    try (var jars = Files.list(LIB)) {
      for (Path jar : jars.toList()) {
        String name = jar.getFileName().toString();
        if (name.startsWith("mxstack.mxstack-core-")
            || name.startsWith("mxstack.mxstack-standalone-")) {
          Files.createSymbolicLink(resident.resolve(name), jar.toAbsolutePath());
        }
      }
    }
    try (var linked = Files.list(resident)) {
      assertEquals(2, linked.count(), "the core and standalone jars are in " + LIB);
    }
    for (String start : List.of("first", "second")) {
      ProcessBuilder builder =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Dmxstack.plan.classpath=" + LIB.toAbsolutePath() + "/*",
              "-cp",
              resident + "/*",
              "mxstack.standalone.cloudron.CloudronMain");
      builder.environment().clear();
      builder.environment().put("PATH", System.getenv("PATH"));
      builder.environment().put("CLOUDRON_APP_DOMAIN", "matrix.example.com");
      builder.environment().put("CLOUDRON_POSTGRESQL_HOST", "127.0.0.1");
      builder.environment().put("CLOUDRON_POSTGRESQL_USERNAME", "user");
      builder.environment().put("CLOUDRON_POSTGRESQL_PASSWORD", "password");
      builder.environment().put("CLOUDRON_POSTGRESQL_DATABASE", "db");
      builder.environment().put("MXSTACK_DATA_DIR", dir.resolve("data").toString());
      builder.environment().put("MXSTACK_RUN_DIR", dir.resolve("run").toString());
      builder.environment().put("MXSTACK_RUN_AS", "");
      builder.environment().put("MXSTACK_SYNAPSE_PYTHON", dir.resolve("none/python").toString());
      builder.environment().put("NGINX_BIN", dir.resolve("none/nginx").toString());
      builder.environment().put("MAS_HOME", dir.resolve("none/mas").toString());
      Path log = dir.resolve(start + ".log");
      Process supervisor = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(log).contains("watching") && System.nanoTime() < deadline) {
        assertTrue(supervisor.isAlive(), Files.readString(log));
        Thread.sleep(100);
      }
      supervisor.destroy(); // SIGTERM
      assertTrue(supervisor.waitFor(20, TimeUnit.SECONDS));
      String output = Files.readString(log);
      assertEquals(0, supervisor.exitValue(), output);
      assertTrue(output.contains("synapse is not running"), output);
      assertEquals(start.equals("second"), output.contains("starting from the saved plan"), output);
      assertTrue(!output.contains("Exception") && !output.contains("Error:"), output);
    }
  }
}
