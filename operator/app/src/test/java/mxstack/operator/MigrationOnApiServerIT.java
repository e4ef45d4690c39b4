package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import mxstack.operator.cluster.AuditLog;
import mxstack.operator.cluster.ControlPlane;
import mxstack.operator.cluster.ControlPlaneExtension;
import mxstack.operator.cluster.OperatorProcess;
import mxstack.operator.cluster.TestKubelet;
import mxstack.operator.cluster.TestKubelet.PodState;
import mxstack.operator.cluster.TestKubelet.Termination;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The move to MAS (migration.strategy: syn2mas) on a real API server with etcd and the controller
 * manager, run by the shipped operator: the step Jobs, the records in the status and the marker
 * ConfigMap, the events, Synapse's StatefulSet scaled to no replicas before syn2mas migrate and the
 * plan in MAS mode after it; an operator killed in the middle and a step's pod deleted; checks that
 * refuse, a failing step, the retries; a second move and legacy logins afterwards refused.
 *
 * <p>No MAS, psql or pg_dump runs here (no kubelet, no container runtime): {@link TestKubelet} ends
 * each step's pod with the exit status and output that the test gives, as a kubelet reports a
 * terminated container, and the real Job controller completes or fails the Job from that. What
 * syn2mas itself does to the databases is tested on Cloudron (MigrationMasIT, with a real MAS).
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationOnApiServerIT {

  static final String NS = "move";
  static final String NAME = "move";
  static final String STOP_NS = "stop";
  static final String MAS_NS = "masonly";
  static final String DB_PASSWORD = "move-db-pass-5e2c";
  static final String PEPPER = "move-pepper-81d0";
  static final String CLIENT_SECRET = "move-oidc-secret-c4a7";
  static final Duration WAIT = Duration.ofSeconds(120);

  static ControlPlane cp;
  static KubernetesClient admin;
  static AuditLog audit;
  static long start;
  static OperatorProcess operator;
  static TestKubelet kubelet;

  /** How the pod of each Job (by name) ends; a Job without an entry keeps running. */
  static final Map<String, Termination> endings = new ConcurrentHashMap<>();

  @BeforeAll
  static void startOperator(ControlPlane controlPlane) throws Exception {
    cp = controlPlane;
    admin = cp.admin();
    audit = cp.auditLog();
    start = audit.mark();
    kubelet = new TestKubelet(admin);
    kubelet.rule(pod -> PodState.READY);
    kubelet.jobRule(pod -> endings.get(pod.getMetadata().getLabels().get(TestKubelet.JOB_NAME)));
    operator = OperatorProcess.start(cp, "operator-migration");
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    if (admin != null) {
      TestObjects.deleteNamespaces(admin, NS, STOP_NS, MAS_NS);
    }
  }

  static void end(String job, int exitCode, String output) {
    endings.put(job, new Termination(exitCode, output));
    kubelet.jobRule(pod -> endings.get(pod.getMetadata().getLabels().get(TestKubelet.JOB_NAME)));
  }

  static MatrixDeployment legacyDeployment(String ns, String name) throws Exception {
    return deployment(ns, name, yaml -> yaml);
  }

  /** The legacy deployment of src/test/resources/migration, its YAML edited. */
  static MatrixDeployment deployment(
      String ns, String name, java.util.function.UnaryOperator<String> edit) throws Exception {
    MatrixDeployment md =
        Serialization.unmarshal(
            edit.apply(Files.readString(Path.of("src/test/resources/migration/legacy-move.yaml"))),
            MatrixDeployment.class);
    md.getMetadata().setNamespace(ns);
    md.getMetadata().setName(name);
    return md;
  }

  static void createNamespaceWithSecrets(String ns) {
    TestObjects.createRestrictedNamespace(admin, ns);
    TestObjects.applySecret(admin, ns, "db", Map.of("password", DB_PASSWORD));
    TestObjects.applySecret(admin, ns, "synapse-pepper", Map.of("pepper", PEPPER));
    TestObjects.applySecret(admin, ns, "oidc", Map.of("client-secret", CLIENT_SECRET));
  }

  static <T extends HasMetadata> T get(String ns, Class<T> type, String name) {
    return admin.resources(type).inNamespace(ns).withName(name).get();
  }

  static MatrixDeployment md(String ns, String name) {
    return get(ns, MatrixDeployment.class, name);
  }

  static void patchSpec(String ns, String name, String mergePatch) {
    admin
        .resources(MatrixDeployment.class)
        .inNamespace(ns)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + mergePatch + "}");
  }

  static io.fabric8.kubernetes.api.model.Condition condition(MatrixDeployment md, String type) {
    return md == null || md.getStatus() == null ? null : md.getStatus().condition(type);
  }

  /** Waits until the MatrixDeployment's current generation has this MigrationComplete reason. */
  static MatrixDeployment awaitMigration(
      String ns, String name, Predicate<MatrixDeployment> also, String reason) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MatrixDeployment md = md(ns, name);
              var c = condition(md, "MigrationComplete");
              assertNotNull(c, "no MigrationComplete condition");
              assertEquals(
                  md.getMetadata().getGeneration(), md.getStatus().getObservedGeneration());
              assertEquals(reason, c.getReason(), c.getMessage());
              assertTrue(also.test(md), () -> "status: " + Serialization.asYaml(md.getStatus()));
            });
    return md(ns, name);
  }

  static MatrixDeployment awaitReady(String ns, String name) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MatrixDeployment md = md(ns, name);
              assertNotNull(md.getStatus(), "no status");
              assertEquals(
                  md.getMetadata().getGeneration(), md.getStatus().getObservedGeneration());
              var ready = condition(md, "Ready");
              assertNotNull(ready);
              assertEquals("True", ready.getStatus(), ready.getMessage());
            });
    return md(ns, name);
  }

  static String state(MatrixDeployment md) {
    return md.getStatus().getMigration() == null ? null : md.getStatus().getMigration().getState();
  }

  static Job awaitJob(String ns, String name) {
    return await().atMost(WAIT).until(() -> get(ns, Job.class, name), j -> j != null);
  }

  static String marker(String ns, String name, String key) {
    ConfigMap marker = get(ns, ConfigMap.class, name + "-syn2mas");
    return marker == null ? null : marker.getData().get(key);
  }

  static int synapseReplicas(String ns, String name) {
    return get(ns, StatefulSet.class, name + "-synapse").getSpec().getReplicas();
  }

  static List<Event> events(String ns, String name, String type, String reason) {
    return admin.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> type.equals(e.getType()) && reason.equals(e.getReason()))
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Names of the Jobs the operator created since the mark, in order. */
  static List<String> jobsCreatedSince(long mark, String ns) {
    return audit.writesSince(mark).stream()
        .filter(e -> e.verb().equals("create") && e.resource().equals("jobs"))
        .filter(e -> e.namespace().equals(ns) && e.code() == 201)
        .map(AuditLog.Entry::name)
        .toList();
  }

  static final List<String> STEPS =
      List.of(
          "prepare-schema",
          "mas-database",
          "external-ids",
          "check",
          "dry-run",
          "backup",
          "migration-done",
          "migrate");

  static String job(String name, String step, int attempt) {
    return name + "-syn2mas-" + step + "-" + attempt;
  }

  @Test
  @Order(1)
  void aLegacyDeploymentMovesToMasStepByStep() throws Exception {
    createNamespaceWithSecrets(NS);
    admin.resources(MatrixDeployment.class).resource(legacyDeployment(NS, NAME)).create();
    MatrixDeployment md = awaitReady(NS, NAME);
    assertEquals("legacy", md.getStatus().getAuthMode());
    assertNull(condition(md, "MigrationComplete"), "no move asked for, no condition");
    long mark = audit.mark();

    // The checks: everything but syn2mas check ends at once; that one is held.
    end(job(NAME, "prepare-schema", 1), 0, "");
    end(job(NAME, "mas-database", 1), 0, "");
    end(job(NAME, "external-ids", 1), 0, "oidc-cloudron\n");
    patchSpec(NS, NAME, "{\"auth\":{\"mode\":null},\"migration\":{\"strategy\":\"syn2mas\"}}");
    md =
        awaitMigration(
            NS, NAME, m -> "check".equals(m.getStatus().getMigration().getStep()), "Checking");
    assertEquals("legacy", state(md));
    assertEquals("legacy", md.getStatus().getAuthMode(), "Synapse keeps the logins meanwhile");
    assertEquals(1, synapseReplicas(NS, NAME));
    assertNull(get(NS, Deployment.class, NAME + "-mas"));
    Job check = get(NS, Job.class, job(NAME, "check", 1));
    assertEquals(
        List.of(
            "/usr/local/bin/mas-cli", "syn2mas", "--config", "/etc/mxstack/config/mas/config.yaml"),
        check.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand().subList(0, 4));
    assertTrue(
        check
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getCommand()
            .contains("check"));
    end(job(NAME, "check", 1), 0, "");

    // The dry run is running when the operator is killed; it ends while none runs.
    awaitJob(NS, job(NAME, "dry-run", 1));
    await()
        .atMost(WAIT)
        .until(
            () ->
                "checked".equals(marker(NS, NAME, "state"))
                    && "checked".equals(state(md(NS, NAME))));
    operator.kill();
    long restart = audit.mark();
    end(job(NAME, "dry-run", 1), 0, "");
    await()
        .atMost(WAIT)
        .until(
            () ->
                get(NS, Job.class, job(NAME, "dry-run", 1)).getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True")));
    operator = OperatorProcess.start(cp, "operator-migration-restarted");

    // It resumes from "checked": the backup, then Synapse stopped before syn2mas migrate.
    end(job(NAME, "backup", 1), 0, "");
    end(job(NAME, "migration-done", 1), 0, "f\n");
    Job migrate = awaitJob(NS, job(NAME, "migrate", 1));
    StatefulSet synapse = get(NS, StatefulSet.class, NAME + "-synapse");
    assertEquals(0, synapse.getSpec().getReplicas(), "Synapse is stopped before syn2mas migrate");
    assertEquals(0, synapse.getStatus().getReplicas());
    assertEquals(
        List.of(),
        admin
            .pods()
            .inNamespace(NS)
            .withLabel("app.kubernetes.io/component", "synapse")
            .list()
            .getItems(),
        "no Synapse pod while the accounts move");
    assertEquals("synapse-stopped", marker(NS, NAME, "state"));
    md = md(NS, NAME);
    assertEquals("Migrating", condition(md, "MigrationComplete").getReason());
    assertEquals("False", condition(md, "SynapseReady").getStatus());
    assertTrue(
        condition(md, "SynapseReady").getMessage().contains("accounts move to MAS"),
        condition(md, "SynapseReady").getMessage());
    PersistentVolumeClaim backup = get(NS, PersistentVolumeClaim.class, NAME + "-syn2mas-backup");
    assertNotNull(backup, "the backup volume");
    assertTrue(
        backup.getMetadata().getOwnerReferences() == null
            || backup.getMetadata().getOwnerReferences().isEmpty(),
        "the backup outlives the MatrixDeployment");
    var backupPod = get(NS, Job.class, job(NAME, "backup", 1)).getSpec().getTemplate().getSpec();
    assertTrue(
        backupPod.getVolumes().stream()
            .anyMatch(
                v ->
                    v.getPersistentVolumeClaim() != null
                        && v.getPersistentVolumeClaim()
                            .getClaimName()
                            .equals(NAME + "-syn2mas-backup")));
    assertTrue(
        backupPod
            .getContainers()
            .get(0)
            .getCommand()
            .contains("--file=/data/syn2mas-backup/synapse.dump"));
    assertTrue(
        backupPod.getContainers().get(0).getVolumeMounts().stream()
            .anyMatch(m -> m.getMountPath().equals("/data/syn2mas-backup")));

    // syn2mas migrate's pod is deleted (a node drained, an admin's kubectl delete): the Job
    // makes another, and that one ends.
    Pod first =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    admin
                        .pods()
                        .inNamespace(NS)
                        .withLabel(TestKubelet.JOB_NAME, migrate.getMetadata().getName())
                        .list()
                        .getItems(),
                l -> !l.isEmpty())
            .get(0);
    admin.pods().inNamespace(NS).withName(first.getMetadata().getName()).delete();
    await()
        .atMost(WAIT)
        .until(
            () ->
                admin
                    .pods()
                    .inNamespace(NS)
                    .withLabel(TestKubelet.JOB_NAME, migrate.getMetadata().getName())
                    .list()
                    .getItems()
                    .stream()
                    .anyMatch(
                        p -> !p.getMetadata().getName().equals(first.getMetadata().getName())));
    end(job(NAME, "migrate", 1), 0, "");

    // The accounts are in MAS: the plan delegates to MAS, Synapse runs again.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertNotNull(get(NS, Deployment.class, NAME + "-mas"), "MAS runs");
              String homeserver =
                  get(NS, ConfigMap.class, NAME + "-config")
                      .getData()
                      .get("synapse.homeserver.yaml");
              assertTrue(homeserver.contains("matrix_authentication_service:"), homeserver);
              assertEquals(1, synapseReplicas(NS, NAME));
            });
    md = awaitMigration(NS, NAME, m -> "delegated".equals(state(m)), "Complete");
    assertEquals("True", condition(md, "MigrationComplete").getStatus());
    assertEquals("mas", md.getStatus().getAuthMode());
    awaitReady(NS, NAME);
    assertEquals("delegated", marker(NS, NAME, "state"));
    await()
        .atMost(WAIT)
        .until(() -> admin.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty());

    // Each step's Job was made once; none of the checks again after the restart.
    List<String> created = jobsCreatedSince(mark, NS);
    assertEquals(STEPS.stream().map(s -> job(NAME, s, 1)).toList(), created);
    assertEquals(
        List.of("backup", "migration-done", "migrate").stream().map(s -> job(NAME, s, 1)).toList(),
        jobsCreatedSince(restart, NS),
        "after the restart it went on from the recorded state");
    for (String step : STEPS) {
      assertTrue(
          events(NS, NAME, "Normal", "MigrationStep").stream()
              .anyMatch(e -> e.getMessage().contains("running step " + step + " ")),
          "an event for step " + step);
    }
    for (String state :
        List.of("checked", "dry-run-passed", "synapse-stopped", "migrated", "delegated")) {
      assertTrue(
          events(NS, NAME, "Normal", "MigrationState").stream()
              .anyMatch(e -> e.getMessage().startsWith("Move to MAS: " + state + ":")),
          "an event for " + state);
    }
    assertNoSecretValues(NS, NAME);
  }

  static void assertNoSecretValues(String ns, String name) {
    String marker = Serialization.asJson(get(ns, ConfigMap.class, name + "-syn2mas"));
    String status = Serialization.asJson(md(ns, name).getStatus());
    String events = Serialization.asJson(admin.v1().events().inNamespace(ns).list().getItems());
    for (String value : List.of(DB_PASSWORD, PEPPER, CLIENT_SECRET)) {
      assertFalse(marker.contains(value), "a secret value in the marker");
      assertFalse(status.contains(value), "a secret value in the status");
      assertFalse(events.contains(value), "a secret value in an event");
    }
  }

  /**
   * The move never runs twice: not when its status is wiped, not when the marker is deleted, not
   * when the MatrixDeployment is deleted and made again under the same name.
   */
  @Test
  @Order(2)
  void aSecondMoveIsRefused() throws Exception {
    long mark = audit.mark();
    admin
        .resources(MatrixDeployment.class)
        .inNamespace(NS)
        .withName(NAME)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"migration\":null}}");
    // A change of the status alone starts no reconcile (the operator reacts to new generations);
    // the next one, for whatever reason (here a change to the marker), restores it.
    admin
        .configMaps()
        .inNamespace(NS)
        .withName(NAME + "-syn2mas")
        .edit(
            cm -> {
              cm.getMetadata().setAnnotations(Map.of("example.com/touched", "yes"));
              return cm;
            });
    awaitMigration(
        NS,
        NAME,
        m -> m.getStatus().getMigration() != null && "delegated".equals(state(m)),
        "Complete");
    admin.configMaps().inNamespace(NS).withName(NAME + "-syn2mas").delete();
    await().atMost(WAIT).until(() -> "delegated".equals(marker(NS, NAME, "state")));

    admin.resources(MatrixDeployment.class).inNamespace(NS).withName(NAME).delete();
    await()
        .atMost(WAIT)
        .until(
            () ->
                get(NS, StatefulSet.class, NAME + "-synapse") == null
                    && get(NS, Deployment.class, NAME + "-mas") == null);
    assertEquals("delegated", marker(NS, NAME, "state"), "the marker outlives it");
    // made again as it was last: syn2mas asked for, logins through MAS
    MatrixDeployment again =
        deployment(
            NS,
            NAME,
            yaml ->
                yaml.replace("    mode: legacy\n", "") + "  migration:\n    strategy: syn2mas\n");
    assertEquals(null, again.getSpec().auth().mode());
    admin.resources(MatrixDeployment.class).resource(again).create();
    MatrixDeployment md = awaitMigration(NS, NAME, m -> "delegated".equals(state(m)), "Complete");
    assertTrue(
        condition(md, "MigrationComplete").getMessage().contains("never runs again"),
        condition(md, "MigrationComplete").getMessage());
    awaitReady(NS, NAME);
    assertEquals("mas", md(NS, NAME).getStatus().getAuthMode());
    assertEquals(List.of(), jobsCreatedSince(mark, NS), "no step ran again");
  }

  @Test
  @Order(3)
  void legacyLoginsAfterTheMoveAreRefusedWithTheReason() {
    String mas = get(NS, Deployment.class, NAME + "-mas").getMetadata().getResourceVersion();
    String synapse =
        get(NS, StatefulSet.class, NAME + "-synapse").getMetadata().getResourceVersion();
    patchSpec(NS, NAME, "{\"auth\":{\"mode\":\"legacy\"}}");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MatrixDeployment md = md(NS, NAME);
              assertEquals(
                  md.getMetadata().getGeneration(), md.getStatus().getObservedGeneration());
              assertEquals("InvalidSpec", condition(md, "Ready").getReason());
              String message = condition(md, "Degraded").getMessage();
              assertTrue(
                  message.contains(
                      "spec.auth.mode: is legacy, but this deployment's accounts"
                          + " moved to MAS"),
                  message);
            });
    assertTrue(
        events(NS, NAME, "Warning", "InvalidSpec").stream()
            .anyMatch(e -> e.getMessage().contains("Synapse's own login would lose them")));
    assertEquals(mas, get(NS, Deployment.class, NAME + "-mas").getMetadata().getResourceVersion());
    assertEquals(
        synapse, get(NS, StatefulSet.class, NAME + "-synapse").getMetadata().getResourceVersion());
    patchSpec(NS, NAME, "{\"auth\":{\"mode\":null}}");
    awaitReady(NS, NAME);
  }

  /**
   * Checks that refuse stop the move before it starts, a failed step stops it where it is, and
   * Synapse keeps its own logins throughout: its StatefulSet keeps its replica, or gets it back.
   */
  @Test
  @Order(4)
  void whatStopsTheMoveLeavesSynapseWithItsOwnLogins() throws Exception {
    String name = "stop";
    createNamespaceWithSecrets(STOP_NS);
    MatrixDeployment legacy = legacyDeployment(STOP_NS, name);
    admin.resources(MatrixDeployment.class).resource(legacy).create();
    patchSpec(
        STOP_NS, name, "{\"homeserver\":{\"additionalConfig\":{\"allow_guest_access\":true}}}");
    awaitReady(STOP_NS, name);
    long mark = audit.mark();

    // Our own checks, all at once, each with what to change; nothing runs.
    patchSpec(STOP_NS, name, "{\"migration\":{\"strategy\":\"syn2mas\"}}");
    MatrixDeployment md = awaitMigration(STOP_NS, name, m -> true, "Blocked");
    String message = condition(md, "MigrationComplete").getMessage();
    assertTrue(message.contains("spec.auth.mode: legacy keeps Synapse's own logins"), message);
    assertTrue(message.contains("allow_guest_access"), message);
    assertEquals("Blocked", condition(md, "Degraded").getReason());
    assertFalse(events(STOP_NS, name, "Warning", "MigrationBlocked").isEmpty());
    assertEquals(List.of(), jobsCreatedSince(mark, STOP_NS));
    assertEquals(1, synapseReplicas(STOP_NS, name));

    // Users linked to a provider that no upstream provider maps.
    end(job(name, "prepare-schema", 1), 0, "");
    end(job(name, "mas-database", 1), 0, "");
    end(job(name, "external-ids", 1), 0, "oidc-cloudron\noidc-github\n");
    patchSpec(
        STOP_NS,
        name,
        "{\"auth\":{\"mode\":null},\"homeserver\":{\"additionalConfig\":{\"allow_guest_access\":null}}}");
    md =
        awaitMigration(
            STOP_NS, name, m -> m.getStatus().getMigration().getStoppedStep() != null, "Blocked");
    message = condition(md, "MigrationComplete").getMessage();
    assertTrue(message.contains("users are linked to oidc-github"), message);
    assertEquals("legacy", state(md));

    // syn2mas check warns (exit 11): stopped unless the warnings are accepted.
    TestObjects.applySecret(admin, STOP_NS, "github", Map.of("client-secret", "gh-secret"));
    for (String step : List.of("prepare-schema", "mas-database")) {
      end(job(name, step, 2), 0, "");
    }
    end(job(name, "external-ids", 2), 0, "oidc-cloudron\noidc-github\n");
    end(job(name, "check", 2), 11, "WARN syn2mas: 2 users have no password and no upstream link\n");
    patchSpec(
        STOP_NS,
        name,
        "{\"auth\":{\"upstreamProviders\":["
            + "{\"id\":\"01HZ0000000000000000000000\",\"name\":\"Cloudron\","
            + "\"issuer\":\"https://my.move.example.com\",\"clientId\":\"cid-1234\","
            + "\"clientSecret\":{\"secretName\":\"oidc\",\"key\":\"client-secret\"},"
            + "\"synapseIdpId\":\"oidc-cloudron\"},"
            + "{\"id\":\"01HZ0000000000000000000001\",\"name\":\"GitHub\","
            + "\"issuer\":\"https://github.example.com\",\"clientId\":\"gh\","
            + "\"clientSecret\":{\"secretName\":\"github\",\"key\":\"client-secret\"},"
            + "\"synapseIdpId\":\"oidc-github\"}]}}");
    md =
        awaitMigration(
            STOP_NS,
            name,
            m -> "check".equals(m.getStatus().getMigration().getStoppedStep()),
            "Blocked");
    message = condition(md, "MigrationComplete").getMessage();
    assertTrue(message.contains("syn2mas check warns: WARN syn2mas: 2 users"), message);
    assertTrue(message.contains("spec.migration.acceptWarnings: true"), message);
    assertEquals(1, synapseReplicas(STOP_NS, name));
    assertEquals("legacy", md.getStatus().getAuthMode());

    // syn2mas check finds errors (exit 10): accepting warnings does not help.
    for (String step : List.of("prepare-schema", "mas-database")) {
      end(job(name, step, 3), 0, "");
    }
    end(job(name, "external-ids", 3), 0, "oidc-cloudron\n");
    end(job(name, "check", 3), 10, "ERROR syn2mas: The MAS database is not empty\n");
    patchSpec(STOP_NS, name, "{\"migration\":{\"acceptWarnings\":true}}");
    md =
        awaitMigration(
            STOP_NS,
            name,
            m ->
                Integer.valueOf(3).equals(m.getStatus().getMigration().getAttempt())
                    && m.getStatus().getMigration().getStoppedStep() != null,
            "Blocked");
    message = condition(md, "MigrationComplete").getMessage();
    assertTrue(message.contains("syn2mas check found errors (exit 10)"), message);
    assertTrue(message.contains("The MAS database is not empty"), message);
    assertTrue(
        events(STOP_NS, name, "Warning", "MigrationBlocked").stream()
            .anyMatch(e -> e.getMessage().contains("The MAS database is not empty")));

    // Warnings accepted, then syn2mas migrate fails with Synapse stopped: Synapse comes back
    // with its own logins, and the move goes back to before the backup.
    for (String step : List.of("prepare-schema", "mas-database", "dry-run", "backup")) {
      end(job(name, step, 4), 0, "");
    }
    end(job(name, "external-ids", 4), 0, "oidc-cloudron\n");
    end(job(name, "check", 4), 11, "WARN syn2mas: something to read\n");
    end(job(name, "migration-done", 4), 0, "f\n");
    patchSpec(
        STOP_NS,
        name,
        "{\"homeserver\":{\"additionalConfig\":{\"presence\":{\"enabled\":false}}}}");
    awaitJob(STOP_NS, job(name, "migrate", 4));
    assertEquals(0, synapseReplicas(STOP_NS, name));
    end(job(name, "migrate", 4), 1, "ERROR syn2mas: connection to the MAS database lost\n");
    md =
        awaitMigration(
            STOP_NS,
            name,
            m -> "migrate".equals(m.getStatus().getMigration().getStoppedStep()),
            "Failed");
    assertEquals("dry-run-passed", state(md));
    assertEquals("Failed", condition(md, "Degraded").getReason());
    message = condition(md, "MigrationComplete").getMessage();
    assertTrue(message.contains("exit status 1: ERROR syn2mas: connection"), message);
    assertTrue(message.contains("Job " + job(name, "migrate", 4) + " is deleted"), message);
    assertTrue(
        events(STOP_NS, name, "Warning", "MigrationFailed").stream()
            .anyMatch(e -> e.getMessage().contains("connection to the MAS database lost")));
    await().atMost(WAIT).until(() -> synapseReplicas(STOP_NS, name) == 1);
    String homeserver =
        get(STOP_NS, ConfigMap.class, name + "-config").getData().get("synapse.homeserver.yaml");
    assertFalse(homeserver.contains("matrix_authentication_service:"), "still its own logins");
    assertNull(get(STOP_NS, Deployment.class, name + "-mas"));
    md = awaitReady(STOP_NS, name);
    assertEquals("legacy", md.getStatus().getAuthMode());

    // Deleting the failed Job tries again, from a new backup.
    admin.batch().v1().jobs().inNamespace(STOP_NS).withName(job(name, "migrate", 4)).delete();
    awaitJob(STOP_NS, job(name, "backup", 5));
    assertEquals(
        List.of(job(name, "backup", 5)),
        jobsCreatedSince(mark, STOP_NS).stream().filter(j -> j.endsWith("-5")).toList());
    assertNoSecretValues(STOP_NS, name);
  }

  @Test
  @Order(5)
  void noMoveWhereMasAlreadyHasTheLogins() throws Exception {
    TestObjects.createRestrictedNamespace(admin, MAS_NS);
    TestObjects.applySecret(admin, MAS_NS, "db", Map.of("password", DB_PASSWORD));
    admin
        .resources(MatrixDeployment.class)
        .resource(TestObjects.masMinimal(MAS_NS, "mas"))
        .create();
    awaitReady(MAS_NS, "mas");
    long mark = audit.mark();
    patchSpec(MAS_NS, "mas", "{\"migration\":{\"strategy\":\"syn2mas\"}}");
    MatrixDeployment md = awaitMigration(MAS_NS, "mas", m -> true, "Refused");
    String message = condition(md, "MigrationComplete").getMessage();
    assertTrue(message.contains("MAS already runs for this deployment"), message);
    assertEquals("mas", md.getStatus().getAuthMode());
    assertNotNull(get(MAS_NS, Deployment.class, "mas-mas"));
    assertFalse(events(MAS_NS, "mas", "Warning", "MigrationRefused").isEmpty());
    assertEquals(List.of(), jobsCreatedSince(mark, MAS_NS));
  }

  /** deploy/rbac.yaml allowed every request of the move, as the API server's authorizer decided. */
  @Test
  @Order(6)
  void theClusterRoleAllowedEveryRequest() {
    List<AuditLog.Entry> all = audit.since(start);
    assertEquals(
        List.of(),
        all.stream().filter(e -> e.code() == 401 || e.forbiddenByAuthorizer()).toList(),
        "requests the API server's authorizer refused");
    Set<String> seen =
        all.stream()
            .map(e -> e.verb() + " " + e.fullResource())
            .collect(Collectors.toCollection(TreeSet::new));
    for (String needed :
        List.of(
            "create jobs",
            "delete jobs",
            "list jobs",
            "list pods",
            "create persistentvolumeclaims",
            "patch configmaps",
            "create events")) {
      assertTrue(seen.contains(needed), needed + " not exercised; seen: " + seen);
    }
  }
}
