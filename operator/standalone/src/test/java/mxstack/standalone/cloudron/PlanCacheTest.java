package mxstack.standalone.cloudron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.PreStartStep;
import mxstack.core.plan.ReadinessCheck;
import mxstack.core.plan.Target;
import mxstack.core.spec.SecretRef;
import mxstack.standalone.apply.SecretTemplate;
import mxstack.standalone.secrets.SearchableSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kept plan survives its text form, and its fingerprint changes with every input a planning
 * step reads, so a start never reuses a plan made from other inputs.
 */
class PlanCacheTest {

  @TempDir Path dir;

  @Test
  void anEntryReadsBackAsItWasWritten() {
    PlannedProcess synapse =
        new PlannedProcess(
            "synapse",
            List.of("/venv/bin/python", "-m", "synapse.app.homeserver", "--config-path", "a b"),
            Map.of("SYNAPSE_CACHE_FACTOR", "0.5"),
            "cloudron",
            "/app/data/synapse",
            List.of(8008),
            new ReadinessCheck(ReadinessCheck.Kind.HTTP, "127.0.0.1", 8008, "/health"),
            new ReadinessCheck(ReadinessCheck.Kind.TCP, "127.0.0.1", 8008, null),
            List.of(),
            List.of(
                new PreStartStep(
                    "prepare-schema",
                    PreStartStep.Program.POSTGRES_CLIENT,
                    List.of(
                        "/usr/bin/psql", "-c", "CREATE SCHEMA IF NOT EXISTS mas;\nDO $x$ %20"))),
            List.of("/run/config/homeserver.yaml"),
            List.of("/run/secrets/pgpass"),
            "HUP",
            "hash1");
    PlanCache.Entry entry =
        new PlanCache.Entry(
            "f00d",
            List.of(
                new PlannedFile("homeserver.yaml", "server_name: x\n# ünï %20 + spaces\n", 0644),
                new PlannedFile("nginx/nginx.conf", "", 0600)),
            Map.of(
                "pgpass",
                new SecretTemplate(
                    "*:*:*:u:tok1\n",
                    List.of(
                        new SecretTemplate.Slot(
                            "tok1",
                            new SecretRef("/run/env-secrets/pw", null, null),
                            SecretTemplate.Encoding.PGPASS_FIELD)))),
            new PlanWire.Result(
                PlanWire.Outcome.VALID,
                List.of(),
                List.of("a warning"),
                List.of(),
                List.of(synapse),
                null,
                null));
    PlanCache.Entry read = PlanCache.decode(PlanCache.encode(entry));
    assertEquals(entry.fingerprint(), read.fingerprint());
    assertEquals(entry.files(), read.files());
    assertEquals(entry.derived(), read.derived());
    assertEquals(entry.plan(), read.plan());
  }

  @Test
  void aStartFromTheSavedPlanWritesWhatPlanningWrote() throws Exception {
    Map<String, String> env = new HashMap<>(CloudronEnvironmentTest.cloudron());
    env.put("CLOUDRON_POSTGRESQL_PASSWORD", "pw:with\"odd\\chars\n# and: yaml");
    env.put("CLOUDRON_MAIL_SMTP_PASSWORD", "smtp 'secret' \u2028 value");
    env.put("MXSTACK_DATA_DIR", dir.resolve("data").toString());
    env.put("MXSTACK_RUN_DIR", dir.resolve("run").toString());
    env.put("MXSTACK_RUN_AS", "");
    env.put("MAS_HOME", dir.resolve("no-mas").toString());
    // The fingerprint covers the application's jars: stand one in for them.
    Path jar = Files.writeString(dir.resolve("app.jar"), "jar bytes");
    String previous = System.setProperty("mxstack.plan.classpath", jar.toString());
    try {
      CloudronLayout layout = CloudronLayout.fromEnvironment(env);
      Target target = layout.target();
      String wire =
          new CloudronPlanStep(env, new java.io.PrintStream(OutputStream.nullOutputStream()))
              .run(true, List.of());
      PlanWire.Result planned = PlanWire.decode(wire);
      assertEquals(PlanWire.Outcome.VALID, planned.outcome());
      Map<String, String> written = snapshot(layout.runDir());
      assertTrue(written.size() >= 8, written.keySet().toString());
      String kept =
          java.net.URLDecoder.decode(
              Files.readString(layout.dataDir().resolve(PlanCache.FILE)), StandardCharsets.UTF_8);
      assertTrue(kept.contains("server_name: example.com"), "the kept plan is readable here");
      for (String name :
          List.of(
              "CLOUDRON_POSTGRESQL_PASSWORD",
              "CLOUDRON_MAIL_SMTP_PASSWORD",
              "CLOUDRON_OIDC_CLIENT_SECRET",
              "CLOUDRON_TURN_SECRET")) {
        assertFalse(kept.contains(env.get(name)), name + "'s value is not kept");
      }
      List<String> generated = SearchableSecrets.inDirectory(Path.of(target.secretsDir()));
      assertFalse(generated.isEmpty());
      for (String value : generated) {
        assertFalse(kept.contains(value.substring(0, Math.min(40, value.length()))));
      }

      // Cloudron empties /run at every restart.
      deleteTree(layout.runDir());
      String adminText = Files.readString(layout.specFile());
      PlanWire.Result started = PlanCache.applyIfCurrent(env, layout, target, adminText);
      assertNotNull(started, "unchanged inputs start from the saved plan");
      assertEquals(planned.processes(), started.processes());
      assertEquals(written, snapshot(layout.runDir()), "the same files, bytes and modes");

      Map<String, String> rotated = new HashMap<>(env);
      rotated.put("CLOUDRON_POSTGRESQL_PASSWORD", "rotated");
      assertNull(PlanCache.applyIfCurrent(rotated, layout, target, adminText));
      assertNull(PlanCache.applyIfCurrent(env, layout, target, adminText + "# edited\n"));
    } finally {
      if (previous == null) {
        System.clearProperty("mxstack.plan.classpath");
      } else {
        System.setProperty("mxstack.plan.classpath", previous);
      }
    }
  }

  /** Every regular file below {@code root}: its content and mode, by relative path. */
  static Map<String, String> snapshot(Path root) throws Exception {
    Map<String, String> files = new java.util.TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.filter(Files::isRegularFile).toList()) {
        if (p.getFileName().toString().equals("status.json")) {
          continue;
        }
        files.put(
            root.relativize(p).toString(),
            PosixFilePermissions.toString(Files.getPosixFilePermissions(p))
                + "\n"
                + Files.readString(p));
      }
    }
    return files;
  }

  static void deleteTree(Path root) throws Exception {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void theFingerprintFollowsEveryInput() throws Exception {
    Path jar = Files.writeString(dir.resolve("app.jar"), "jar bytes");
    Map<String, String> env = new HashMap<>();
    env.put("MXSTACK_DATA_DIR", dir.resolve("data").toString());
    env.put("MXSTACK_RUN_DIR", dir.resolve("run").toString());
    env.put("CLOUDRON_POSTGRESQL_PASSWORD", "one");
    CloudronLayout layout = CloudronLayout.fromEnvironment(env);
    Target target = layout.target();
    Path secrets = Files.createDirectories(Path.of(target.secretsDir()));
    Files.writeString(secrets.resolve("signing.key"), "key");
    String cp = jar.toString();
    String base = PlanCache.fingerprint(env, layout, target, "spec: {}\n", cp);
    assertNotNull(base);
    assertEquals(base, PlanCache.fingerprint(env, layout, target, "spec: {}\n", cp), "stable");

    Map<String, String> changed = new HashMap<>(env);
    changed.put("CLOUDRON_POSTGRESQL_PASSWORD", "two");
    assertNotEquals(base, PlanCache.fingerprint(changed, layout, target, "spec: {}\n", cp));
    changed = new HashMap<>(env);
    changed.put("CLOUDRON_TURN_SECRET", "new");
    assertNotEquals(base, PlanCache.fingerprint(changed, layout, target, "spec: {}\n", cp));
    assertNotEquals(base, PlanCache.fingerprint(env, layout, target, "spec: {a: 1}\n", cp));
    assertNotEquals(base, PlanCache.fingerprint(env, layout, target, null, cp));

    Files.writeString(secrets.resolve("macaroon"), "m");
    assertNotEquals(base, PlanCache.fingerprint(env, layout, target, "spec: {}\n", cp));
    Files.delete(secrets.resolve("macaroon"));
    assertEquals(base, PlanCache.fingerprint(env, layout, target, "spec: {}\n", cp));

    Files.setLastModifiedTime(jar, FileTime.fromMillis(0));
    assertNotEquals(base, PlanCache.fingerprint(env, layout, target, "spec: {}\n", cp), "new jar");
    assertNull(
        PlanCache.fingerprint(env, layout, target, "spec: {}\n", cp + ":" + dir),
        "class directories cannot be fingerprinted: no kept plan");
  }
}
