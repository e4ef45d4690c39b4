package mxstack.standalone.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as an admin uses it: exit codes, messages on stderr, files written by render. */
class MatrixctlTest {

  static final Path GOLDEN = Path.of("../core/src/test/resources/golden");

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Matrixctl.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void validateAcceptsAGoodSpec() {
    Result r = run("validate", GOLDEN.resolve("minimal/spec.yaml").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("valid"), r.out());
  }

  @Test
  void validateReportsEveryViolationWithItsPathAndExitsTwo() throws Exception {
    Path spec = tmp.resolve("bad.yaml");
    Files.writeString(
        spec,
        Files.readString(GOLDEN.resolve("minimal/spec.yaml"))
            .replace("https://matrix.example.com/", "http://matrix.example.com/")
            .replace("  serverName: example.com\n", "  serverName: example.com\n  severName: x\n"));
    Result r = run("validate", spec.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("spec.severName: unknown field"), r.err());
    assertTrue(r.err().contains("did you mean 'serverName'"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void semanticErrorsAreReportedTogether() throws Exception {
    Path spec = tmp.resolve("bad.yaml");
    Files.writeString(
        spec,
        Files.readString(GOLDEN.resolve("minimal/spec.yaml"))
            .replace("https://matrix.example.com/", "http://matrix.example.com/")
            .replace("schema: mas", "schema: Bad-Schema"));
    Result r = run("validate", spec.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("spec.auth.mas.publicBaseUrl: must be an https URL"), r.err());
    assertTrue(r.err().contains("spec.database.mas.schema"), r.err());
  }

  @Test
  void validateChecksSecretReferencesForTheTarget() {
    String kubernetesSpec = GOLDEN.resolve("external-databases-tls/spec.yaml").toString();
    Result onCloudron = run("validate", kubernetesSpec);
    assertEquals(2, onCloudron.code());
    assertTrue(
        onCloudron.err().contains("spec.database.synapse.password.secretName: is not available on"),
        onCloudron.err());
    Result onKubernetes = run("validate", "--target", "kubernetes", kubernetesSpec);
    assertEquals(0, onKubernetes.code(), onKubernetes.err());
    Result cloudronOnKubernetes =
        run("validate", "--target", "kubernetes", GOLDEN.resolve("minimal/spec.yaml").toString());
    assertEquals(2, cloudronOnKubernetes.code());
    assertTrue(
        cloudronOnKubernetes.err().contains("spec.database.synapse.password.file:"),
        cloudronOnKubernetes.err());
  }

  @Test
  void missingFileIsExitOneNotInvalidSpec() {
    Result r = run("validate", tmp.resolve("absent.yaml").toString());
    assertEquals(1, r.code());
    assertEquals(
        "matrixctl: " + tmp.resolve("absent.yaml") + ": no such file or directory",
        r.err().strip());
  }

  @Test
  void anUnreadableOutputDirectoryIsNamedWithItsCause() throws Exception {
    Path blocked = tmp.resolve("blocked");
    Files.writeString(blocked, "a file where a directory is wanted");
    Result r =
        run(
            "render",
            GOLDEN.resolve("minimal/spec.yaml").toString(),
            "--out",
            blocked.resolve("out").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("matrixctl: " + blocked), r.err());
    assertTrue(r.err().strip().lines().count() == 1, "one line: " + r.err());
  }

  @Test
  void unknownOptionIsExitOne() {
    Result r = run("validate", "--frobnicate", "x");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--frobnicate"), r.err());
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] args :
        new String[][] {{"--help"}, {"validate", "--help"}, {"render", "--help"}}) {
      Result r = run(args);
      assertEquals(0, r.code(), String.join(" ", args));
      assertTrue(r.out().contains("Usage:"), r.out());
    }
  }

  @Test
  void renderWritesConfigsAndSecretsAndKeepsSecretsOnRerun() throws Exception {
    Path out = tmp.resolve("out");
    String spec = GOLDEN.resolve("mas-upstream-oidc/spec.yaml").toString();
    Result first = run("render", spec, "--out", out.toString());
    assertEquals(0, first.code(), first.err());
    for (String file :
        new String[] {
          "config/synapse/homeserver.yaml",
          "config/synapse/log.yaml",
          "config/mas/config.yaml",
          "config/router/nginx.conf",
          "config/router/well-known/matrix/client",
          "plan.yaml"
        }) {
      assertTrue(Files.isRegularFile(out.resolve(file)), file);
    }
    Path key = out.resolve("secrets/mas-encryption-key");
    String encryption = Files.readString(key);
    assertTrue(encryption.matches("[0-9a-f]{64}"), "64 hex characters, no newline");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

    Result second = run("render", spec, "--out", out.toString());
    assertEquals(0, second.code(), second.err());
    assertEquals(encryption, Files.readString(key), "secrets are never regenerated");
    assertTrue(second.out().contains("0 created"), second.out());
    try (Stream<Path> files = Files.walk(out.resolve("secrets"))) {
      for (Path secret : files.filter(Files::isRegularFile).toList()) {
        String value = Files.readString(secret).strip();
        assertFalse(first.out().contains(value) || first.err().contains(value), "secret printed");
        assertFalse(Files.readString(out.resolve("plan.yaml")).contains(value), "secret in plan");
      }
    }
  }

  @Test
  void renderRefusesAnInvalidSpecWithoutWritingAnything() throws Exception {
    Path spec = tmp.resolve("bad.yaml");
    Files.writeString(spec, "apiVersion: mxstack.internal/v1alpha1\nkind: MatrixDeployment\n");
    Path out = tmp.resolve("out");
    Result r = run("render", spec.toString(), "--out", out.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("spec.serverName: is required"), r.err());
    assertFalse(Files.exists(out), "nothing is written for an invalid spec");
  }
}
