package mxstack.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import mxstack.core.render.MasConfigRenderer;
import mxstack.core.render.MasDatabaseSchema;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.SpecReader;
import org.junit.jupiter.api.Test;

/** What the plan promises the adapters: restart hashes, secrets by path, process order. */
class PlannerTest {

  static final Path MINIMAL = Path.of("src/test/resources/golden/minimal/spec.yaml");

  static DesiredState plan(String yaml) throws Exception {
    MatrixDeploymentSpec spec = SpecReader.load(yaml).spec();
    return Planner.plan(spec, SecretPaths.of(Target.cloudron()), Target.cloudron());
  }

  static Map<String, String> hashes(DesiredState plan) {
    return plan.processes().stream()
        .collect(Collectors.toMap(PlannedProcess::name, PlannedProcess::inputsHash));
  }

  @Test
  void aSynapseSettingChangesOnlySynapsesHash() throws Exception {
    String base = Files.readString(MINIMAL);
    String edited =
        base.replace(
            "    publicBaseUrl: https://matrix.example.com\n",
            "    publicBaseUrl: https://matrix.example.com\n    media:\n      maxUploadSize: 10M\n");
    Map<String, String> before = hashes(plan(base));
    Map<String, String> after = hashes(plan(edited));
    assertNotEquals(before.get("synapse"), after.get("synapse"));
    assertEquals(before.get("mas"), after.get("mas"));
    // nginx's client_max_body_size follows the upload limit, so the router restarts too.
    assertNotEquals(before.get("router"), after.get("router"));

    String additional =
        base.replace(
            "    publicBaseUrl: https://matrix.example.com\n",
            "    publicBaseUrl: https://matrix.example.com\n    additionalConfig:\n"
                + "      presence:\n        enabled: false\n");
    Map<String, String> onlySynapse = hashes(plan(additional));
    assertNotEquals(before.get("synapse"), onlySynapse.get("synapse"));
    assertEquals(before.get("mas"), onlySynapse.get("mas"));
    assertEquals(before.get("router"), onlySynapse.get("router"));
  }

  @Test
  void aMasSettingChangesOnlyMasHash() throws Exception {
    String base = Files.readString(MINIMAL);
    String edited =
        base.replace(
            "      publicBaseUrl: https://matrix.example.com/\n",
            "      publicBaseUrl: https://matrix.example.com/\n      passwordLogin: false\n"
                + "      additionalConfig:\n        branding:\n          service_name: X\n");
    String withProvider =
        edited.replace(
            "  database:\n",
            "    upstreamProviders:\n      - id: 01JB5M8Z4T9X2Q3R4S5T6V7W8X\n"
                + "        issuer: https://sso.example.com\n        clientId: c\n"
                + "        clientSecret: {file: /s}\n  database:\n");
    Map<String, String> before = hashes(plan(base));
    Map<String, String> after = hashes(plan(withProvider));
    assertEquals(before.get("synapse"), after.get("synapse"));
    assertNotEquals(before.get("mas"), after.get("mas"));
    assertEquals(before.get("router"), after.get("router"));
  }

  @Test
  void processesComeInDependencyOrderAndNameTheirChecks() throws Exception {
    DesiredState plan = plan(Files.readString(MINIMAL));
    assertEquals(
        List.of("synapse", "mas", "router"),
        plan.processes().stream().map(PlannedProcess::name).toList());
    PlannedProcess synapse = plan.process("synapse").orElseThrow();
    assertEquals("/health", synapse.readiness().path());
    assertEquals(8008, synapse.readiness().port());
    assertEquals(List.of("synapse"), plan.process("router").orElseThrow().dependsOn());
    PlannedProcess mas = plan.process("mas").orElseThrow();
    assertEquals(8081, mas.readiness().port());
    List<PreStartStep> steps = mas.preStart();
    assertEquals(
        List.of("prepare-schema", "config-check", "migrate"),
        steps.stream().map(PreStartStep::name).toList());
    // MAS shares Synapse's database here: its schema is prepared before it migrates into it.
    PreStartStep schema = steps.get(0);
    assertEquals(PreStartStep.Program.POSTGRES_CLIENT, schema.program());
    assertTrue(schema.argv().get(0).endsWith("psql"), schema.toString());
    assertTrue(schema.argv().contains("--no-password"), "psql must never wait for a password");
    assertTrue(
        schema.argv().contains("--command=" + MasDatabaseSchema.prepareSql("mas")),
        schema.toString());
    assertEquals("/run/mxstack/secrets/mas-db.pgpass", mas.env().get("PGPASSFILE"));
    List<String> check = steps.get(1).argv();
    assertEquals(PreStartStep.Program.PROCESS, steps.get(1).program());
    assertEquals(List.of("config", "check"), check.subList(check.size() - 2, check.size()));
    List<String> migrate = steps.get(2).argv();
    assertEquals(
        List.of("database", "migrate"), migrate.subList(migrate.size() - 2, migrate.size()));
  }

  @Test
  void masInASchemaSearchesItsOwnSchemaFirstAndThenPublic() throws Exception {
    DesiredState plan = plan(Files.readString(MINIMAL));
    DerivedSecretFile database =
        plan.derivedSecrets().stream()
            .filter(d -> d.name().equals(MasConfigRenderer.DATABASE_YAML))
            .findFirst()
            .orElseThrow();
    @SuppressWarnings("unchecked")
    String uri = (String) ((Map<String, Object>) database.fields().get("database")).get("uri");
    // Tables go to the first schema; extensions already in public (pg_trgm) stay visible.
    assertTrue(uri.endsWith("&options=-c%20search_path%3Dmas%2Cpublic"), uri);
  }

  @Test
  void withoutAnUpstreamProviderTheLoginCheckAsksForPasswordUsers() throws Exception {
    String minimal = Files.readString(MINIMAL);
    DesiredState plan = plan(minimal);
    assertTrue(
        plan.loginCheck()
            .argv()
            .contains("--command=SELECT EXISTS (SELECT 1 FROM \"mas\".user_passwords)"),
        String.valueOf(plan.loginCheck()));
    DesiredState withProvider =
        plan(Files.readString(Path.of("src/test/resources/golden/mas-upstream-oidc/spec.yaml")));
    assertEquals(null, withProvider.loginCheck(), "an upstream provider is a way to log in");
  }

  @Test
  void configsReferenceSecretsByPathOnly() throws Exception {
    DesiredState plan = plan(Files.readString(MINIMAL));
    assertEquals(
        List.of(
            "synapse-signing-key",
            "synapse-macaroon-secret",
            "synapse-form-secret",
            "mas-synapse-shared-secret",
            "mas-encryption-key",
            "mas-signing-key-rsa",
            "mas-signing-key-ec-p256"),
        plan.secrets().stream().map(SecretRequirement::name).toList());
    String homeserver = plan.file("synapse/homeserver.yaml").orElseThrow().content();
    assertTrue(homeserver.contains("secret_path: /app/data/secrets/mas-synapse-shared-secret"));
    assertTrue(homeserver.contains("passfile: /run/mxstack/secrets/synapse-db.pgpass"));
    assertFalse(homeserver.contains("password:"), "no inline password in homeserver.yaml");
    assertEquals(
        List.of("spec.database.synapse.password", "spec.database.mas.password"),
        plan.userSecrets().stream().map(UserSecret::field).toList());
  }

  @Test
  void legacyModeNeedsTheRegistrationSecretAndNoMas() throws Exception {
    String legacy =
        Files.readString(Path.of("src/test/resources/golden/legacy-auth/spec.yaml"))
            .replace("  migration:\n    strategy: syn2mas\n", "");
    DesiredState plan = plan(legacy);
    assertTrue(plan.process("mas").isEmpty());
    assertTrue(plan.file("mas/config.yaml").isEmpty());
    assertEquals(null, plan.migration());
    assertTrue(
        plan.secrets().stream().anyMatch(s -> s.name().equals("synapse-registration-secret")));
    assertFalse(plan.secrets().stream().anyMatch(s -> s.name().startsWith("mas-")));
  }

  @Test
  void legacyModeMovingToMasRendersMasAndPlansSyn2masWithoutRunningMas() throws Exception {
    DesiredState plan =
        plan(Files.readString(Path.of("src/test/resources/golden/legacy-auth/spec.yaml")));
    assertTrue(plan.process("mas").isEmpty(), "Synapse keeps the logins until the move");
    assertTrue(plan.file("mas/config.yaml").isPresent(), "syn2mas reads MAS's config");
    assertTrue(plan.secrets().stream().anyMatch(s -> s.name().equals("mas-encryption-key")));
    MigrationPlan migration = plan.migration();
    assertEquals(
        List.of(
            MigrationPlan.PREPARE_SCHEMA,
            MigrationPlan.MAS_DATABASE,
            MigrationPlan.EXTERNAL_IDS,
            MigrationPlan.CHECK,
            MigrationPlan.DRY_RUN,
            MigrationPlan.BACKUP,
            MigrationPlan.MIGRATION_DONE,
            MigrationPlan.MIGRATE),
        migration.steps().stream().map(MigrationPlan.Step::name).toList());
    List<String> migrate = migration.step(MigrationPlan.MIGRATE).orElseThrow().argv();
    assertEquals("syn2mas", migrate.get(1));
    assertEquals("migrate", migrate.get(migrate.size() - 1));
    assertTrue(migrate.contains("/run/mxstack/secrets/synapse-password.yaml"), migrate.toString());
    assertEquals(
        "/run/mxstack/secrets/synapse-db.pgpass",
        migration.step(MigrationPlan.CHECK).orElseThrow().env().get("PGPASSFILE"));
    assertEquals(List.of("oidc-cloudron"), migration.mappedIdps());
    assertEquals(List.of(), migration.blockers());

    DesiredState guests =
        plan(
            Files.readString(Path.of("src/test/resources/golden/legacy-auth/spec.yaml"))
                .replace(
                    "  homeserver:\n",
                    "  homeserver:\n    additionalConfig:\n      allow_guest_access: true\n"));
    assertEquals(1, guests.migration().blockers().size(), guests.migration().blockers().toString());
    assertTrue(
        guests
            .migration()
            .blockers()
            .get(0)
            .startsWith("spec.homeserver.additionalConfig.allow_guest_access:"));
  }

  @Test
  void anInvalidSpecYieldsNoPlan() throws Exception {
    MatrixDeploymentSpec spec =
        SpecReader.parse(
                Files.readString(MINIMAL).replace("serverName: example.com", "serverName: a b"))
            .spec();
    SpecInvalidException e =
        assertThrows(
            SpecInvalidException.class,
            () -> Planner.plan(spec, SecretPaths.of(Target.cloudron()), Target.cloudron()));
    assertEquals("spec.serverName", e.violations().get(0).path());
  }

  @Test
  void eachTargetRefusesTheOtherTargetsSecretReferences() throws Exception {
    String base = Files.readString(MINIMAL);
    MatrixDeploymentSpec kubernetesStyle =
        SpecReader.load(
                base.replaceFirst(
                    "password:\n        file: /app/data/db-password",
                    "password: {secretName: db, key: password}"))
            .spec();
    SpecInvalidException onCloudron =
        assertThrows(
            SpecInvalidException.class,
            () ->
                Planner.plan(
                    kubernetesStyle, SecretPaths.of(Target.cloudron()), Target.cloudron()));
    assertEquals(
        "spec.database.synapse.password.secretName", onCloudron.violations().get(0).path());
    assertTrue(
        onCloudron.violations().get(0).message().contains("use file"),
        onCloudron.violations().toString());

    MatrixDeploymentSpec cloudronStyle = SpecReader.load(base).spec();
    Target kubernetes = Target.kubernetes("synapse", "mas");
    SpecInvalidException onKubernetes =
        assertThrows(
            SpecInvalidException.class,
            () -> Planner.plan(cloudronStyle, SecretPaths.of(kubernetes), kubernetes));
    assertEquals("spec.database.synapse.password.file", onKubernetes.violations().get(0).path());
  }

  @Test
  void everyPlanAsksOnlyForSecretsTheAdaptersGenerate() throws Exception {
    try (var dirs = Files.list(Path.of("src/test/resources/golden"))) {
      for (Path dir : dirs.sorted().toList()) {
        boolean kubernetes =
            Files.exists(dir.resolve("target"))
                && Files.readString(dir.resolve("target")).trim().equals("kubernetes");
        Target target = kubernetes ? Target.kubernetes("synapse", "mas") : Target.cloudron();
        MatrixDeploymentSpec spec =
            SpecReader.load(Files.readString(dir.resolve("spec.yaml"))).spec();
        for (SecretRequirement r : Planner.plan(spec, SecretPaths.of(target), target).secrets()) {
          assertTrue(GeneratedSecrets.ALL.contains(r), dir.getFileName() + ": " + r.name());
        }
      }
    }
  }
}
