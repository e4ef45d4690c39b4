package mxstack.standalone.cloudron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.ReadinessCheck;
import mxstack.core.plan.Target;
import mxstack.core.spec.SecretRef;
import mxstack.standalone.apply.SecretTemplate;
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
            List.of(List.of("/usr/bin/psql", "-c", "CREATE SCHEMA IF NOT EXISTS mas")),
            List.of("/run/config/homeserver.yaml"),
            List.of("/run/secrets/pgpass"),
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
                List.of(synapse)));
    PlanCache.Entry read = PlanCache.decode(PlanCache.encode(entry));
    assertEquals(entry.fingerprint(), read.fingerprint());
    assertEquals(entry.files(), read.files());
    assertEquals(entry.derived(), read.derived());
    assertEquals(entry.plan(), read.plan());
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
