package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import mxstack.operator.cluster.AuditLog;
import mxstack.operator.cluster.ControlPlane;
import mxstack.operator.cluster.ControlPlaneExtension;
import mxstack.operator.cluster.OperatorProcess;
import mxstack.operator.cluster.TestKubelet;
import mxstack.operator.cluster.TestKubelet.PodState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator as shipped (the packaged application, server-side apply on, its ServiceAccount's
 * token, so deploy/rbac.yaml is what the authorizer checks) on a real API server with etcd and the
 * controller manager, through the life of one MatrixDeployment: created, left alone, changed,
 * rotated, broken and fixed, switched between auth modes, deleted. Writes are counted from the API
 * server's audit log of the operator's requests; pods become ready through {@link TestKubelet}.
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorOnApiServerIT {

  static final String NS = "matrix";
  static final String NAME = "tls-db";
  static final String IDLE_NS = "idle";
  static final String IDLE = "minimal";
  static final String SYNAPSE_DB_PASSWORD = "synapse-db-pass-7f3a";
  static final String MAS_DB_PASSWORD = "mas-db-pass-9c1b";

  static ControlPlane cp;
  static KubernetesClient admin;
  static AuditLog audit;
  static long start;
  static OperatorProcess operator;
  static TestKubelet kubelet;

  /** Synapse pod templates (by inputs hash) that run; others crash-loop while set. */
  static final Set<String> goodSynapse = ConcurrentHashMap.newKeySet();

  static volatile boolean onlyGoodSynapseRuns;

  /** Until set, no pod runs (no kubelet took them). */
  static volatile boolean podsRun;

  @BeforeAll
  static void startOperator(ControlPlane controlPlane) throws Exception {
    cp = controlPlane;
    admin = cp.admin();
    audit = cp.auditLog();
    start = audit.mark();
    kubelet = new TestKubelet(admin);
    kubelet.rule(OperatorOnApiServerIT::podState);
    operator = OperatorProcess.start(cp, "operator-on-api-server");
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
      TestObjects.deleteNamespaces(admin, NS, IDLE_NS);
      TestObjects.deleteServiceMonitorCrd(admin);
    }
  }

  /**
   * Pods in NS run (unless a test says that a Synapse template crash-loops); others stay Pending.
   */
  static PodState podState(Pod pod) {
    if (!podsRun || !NS.equals(pod.getMetadata().getNamespace())) {
      return PodState.PENDING;
    }
    boolean synapse =
        "synapse".equals(pod.getMetadata().getLabels().get("app.kubernetes.io/component"));
    if (synapse && onlyGoodSynapseRuns && !goodSynapse.contains(hash(pod))) {
      return PodState.CRASH_LOOPING;
    }
    return PodState.READY;
  }

  static String hash(Pod pod) {
    return pod.getMetadata().getAnnotations().get(ResourceNames.INPUTS_HASH);
  }

  static String hash(StatefulSet s) {
    return s.getSpec().getTemplate().getMetadata().getAnnotations().get(ResourceNames.INPUTS_HASH);
  }

  static String hash(Deployment d) {
    return d.getSpec().getTemplate().getMetadata().getAnnotations().get(ResourceNames.INPUTS_HASH);
  }

  static <T extends HasMetadata> T get(Class<T> type, String name) {
    return admin.resources(type).inNamespace(NS).withName(name).get();
  }

  static MatrixDeployment current() {
    return get(MatrixDeployment.class, NAME);
  }

  static void patchSpec(String mergePatch) {
    admin
        .resources(MatrixDeployment.class)
        .inNamespace(NS)
        .withName(NAME)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + mergePatch + "}");
  }

  static void userSecrets(String synapsePassword) {
    TestObjects.applySecret(admin, NS, "synapse-db", Map.of("password", synapsePassword));
    TestObjects.applySecret(admin, NS, "mas-db", Map.of("password", MAS_DB_PASSWORD));
    TestObjects.applySecret(
        admin,
        NS,
        "pg-ca",
        Map.of("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"));
  }

  static String condition(
      MatrixDeployment md,
      String type,
      java.util.function.Function<io.fabric8.kubernetes.api.model.Condition, String> field) {
    var c = md.getStatus() == null ? null : md.getStatus().condition(type);
    return c == null ? null : field.apply(c);
  }

  /** Waits until the current generation is reported Ready=True (pods included). */
  static MatrixDeployment awaitReady() {
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              MatrixDeployment md = current();
              assertNotNull(md.getStatus(), "no status");
              assertEquals(
                  md.getMetadata().getGeneration(), md.getStatus().getObservedGeneration());
              assertEquals(
                  "True",
                  condition(md, "Ready", c -> c.getStatus()),
                  condition(md, "Ready", c -> c.getMessage()));
            });
    MatrixDeployment md = current();
    assertEquals("AllReady", condition(md, "Ready", c -> c.getReason()));
    assertEquals("False", condition(md, "Degraded", c -> c.getStatus()));
    return md;
  }

  /** "verb resource name" of each write the operator made since the mark. */
  static Set<String> writesSince(long mark) {
    return audit.writesSince(mark).stream()
        .map(e -> e.verb() + " " + e.fullResource() + " " + e.name())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * "resource name" of each object the operator wrote since the mark, whatever the verb (JOSDK
   * applies most objects server-side but updates ConfigMaps and Secrets).
   */
  static Set<String> objectsWrittenSince(long mark) {
    return audit.writesSince(mark).stream()
        .map(e -> e.fullResource() + " " + e.name())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The object's name, or null: for assertions whose message should not print a whole object. */
  static String nameOf(HasMetadata o) {
    return o == null ? null : o.getMetadata().getName();
  }

  List<String> secretValues() {
    List<String> values = new ArrayList<>(List.of(SYNAPSE_DB_PASSWORD, MAS_DB_PASSWORD));
    values.addAll(GeneratedSecretValues.of(get(Secret.class, NAME + "-generated-secrets")));
    return values;
  }

  @Test
  @Order(1)
  void aNewDeploymentGetsEveryObjectOwnedAndItsStatus() throws Exception {
    TestObjects.createRestrictedNamespace(admin, NS);
    userSecrets(SYNAPSE_DB_PASSWORD);
    admin
        .resources(MatrixDeployment.class)
        .inNamespace(NS)
        .resource(TestObjects.fixture("external-tls.yaml", NS, NAME))
        .create();

    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertNotNull(get(ConfigMap.class, NAME + "-config"));
              assertNotNull(get(Secret.class, NAME + "-generated-secrets"));
              assertNotNull(get(Secret.class, NAME + "-derived-secrets"));
              assertNotNull(get(StatefulSet.class, NAME + "-synapse"));
              assertNotNull(get(Deployment.class, NAME + "-mas"));
              assertNotNull(get(Deployment.class, NAME + "-router"));
              assertNotNull(get(Service.class, NAME + "-synapse"));
              assertNotNull(get(Service.class, NAME + "-mas"));
              assertNotNull(get(Service.class, NAME + "-router"));
              assertNotNull(get(Ingress.class, NAME));
            });
    MatrixDeployment md = current();
    for (HasMetadata owned :
        List.<HasMetadata>of(
            get(ConfigMap.class, NAME + "-config"),
            get(Secret.class, NAME + "-derived-secrets"),
            get(StatefulSet.class, NAME + "-synapse"),
            get(Deployment.class, NAME + "-mas"),
            get(Deployment.class, NAME + "-router"),
            get(Service.class, NAME + "-synapse"),
            get(Service.class, NAME + "-mas"),
            get(Service.class, NAME + "-router"),
            get(Ingress.class, NAME))) {
      List<OwnerReference> refs = owned.getMetadata().getOwnerReferences();
      assertEquals(1, refs.size(), owned.getMetadata().getName());
      assertEquals(md.getMetadata().getUid(), refs.get(0).getUid());
      assertEquals("MatrixDeployment", refs.get(0).getKind());
    }
    Secret generated = get(Secret.class, NAME + "-generated-secrets");
    assertTrue(
        generated.getMetadata().getOwnerReferences() == null
            || generated.getMetadata().getOwnerReferences().isEmpty(),
        "generated secrets are not owned, so deleting the MatrixDeployment keeps them");
    assertEquals(NAME, generated.getMetadata().getLabels().get(ResourceNames.GENERATED_FOR));

    ConfigMap config = get(ConfigMap.class, NAME + "-config");
    String homeserver = config.getData().get("synapse.homeserver.yaml");
    assertTrue(homeserver.contains("server_name: tls.example.net"), homeserver);
    assertTrue(homeserver.contains("endpoint: http://tls-db-mas:8080/"), homeserver);
    assertTrue(config.getData().get("router.nginx.conf").contains("server tls-db-synapse:8008"));
    for (String value : secretValues()) {
      for (String file : config.getData().values()) {
        assertFalse(file.contains(value), "a secret value is in the ConfigMap");
      }
    }
    assertEquals(
        "*:*:*:synapse_user:" + SYNAPSE_DB_PASSWORD + "\n",
        decode(get(Secret.class, NAME + "-derived-secrets"), "synapse-db.pgpass"));
    assertEquals(
        List.of("matrix.tls.example.net", "account.tls.example.net", "tls.example.net"),
        get(Ingress.class, NAME).getSpec().getRules().stream().map(r -> r.getHost()).toList());

    // No kubelet has run the pods yet: the status says what it waits for.
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              MatrixDeployment now = current();
              assertEquals(
                  now.getMetadata().getGeneration(), now.getStatus().getObservedGeneration());
              assertEquals("True", condition(now, "SecretsReady", c -> c.getStatus()));
              assertEquals("Progressing", condition(now, "Ready", c -> c.getReason()));
              assertEquals(
                  "Waiting for Synapse, MAS, the router",
                  condition(now, "Ready", c -> c.getMessage()));
              assertEquals("mas", now.getStatus().getAuthMode());
            });
    // Pods in this namespace run now (TestKubelet): the deployment becomes ready.
    podsRun = true;
    kubelet.rule(OperatorOnApiServerIT::podState);
    md = awaitReady();
    assertEquals("PodsReady", condition(md, "SynapseReady", c -> c.getReason()));
    assertEquals("PodsReady", condition(md, "MasReady", c -> c.getReason()));
    assertEquals("https://matrix.tls.example.net", md.getStatus().getHomeserverUrl());
    assertEquals("https://account.tls.example.net", md.getStatus().getMasUrl());
    // The pods that the controllers made from the templates were admitted by Pod Security
    // admission at the namespace's "restricted" level.
    assertEquals(
        3,
        admin
            .pods()
            .inNamespace(NS)
            .withLabel("app.kubernetes.io/instance", NAME)
            .list()
            .getItems()
            .size());
    // Keys are generated once, when the Secret is made.
    assertEquals(1, generatedKeysLogged(operator.log(), NS, NAME), operator.log());
  }

  static long generatedKeysLogged(String log, String ns, String name) {
    return log.lines()
        .filter(l -> l.contains("Generated new keys for " + ns + "/" + name + " "))
        .count();
  }

  static String decode(Secret secret, String key) {
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  /** The packaged operator (production profile) serves its reconcile metrics. */
  @Test
  @Order(2)
  void theShippedOperatorServesReconcileMetrics() throws Exception {
    String metrics = operator.metrics();
    assertTrue(
        metrics
            .lines()
            .anyMatch(
                l ->
                    l.startsWith("reconciliations_started_total")
                        && l.contains("matrixdeployment")),
        "reconcile counts per controller are exported:\n" + metrics);
    assertTrue(
        metrics.contains("reconciliations_execution_duration_seconds_count"),
        "reconcile durations");
    assertTrue(metrics.contains("reconciliations_success_total"), "reconcile outcomes");
    assertTrue(operator.counter("reconciliations_started_total") >= 1);
  }

  /**
   * Reconciles with nothing to change write nothing: over at least a minute with a second
   * deployment whose pods never start (so the operator looks at it again every 10 s) and a touched
   * referenced Secret. The metrics show that the reconciles happened; the audit log shows what the
   * operator wrote.
   */
  @Test
  @Order(3)
  void reconcilesWithNothingToChangeWriteNothing() throws Exception {
    TestObjects.createRestrictedNamespace(admin, IDLE_NS);
    TestObjects.applySecret(admin, IDLE_NS, "db", Map.of("password", "idle-password"));
    admin
        .resources(MatrixDeployment.class)
        .inNamespace(IDLE_NS)
        .resource(TestObjects.masMinimal(IDLE_NS, IDLE))
        .create();
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              MatrixDeployment idle =
                  admin.resources(MatrixDeployment.class).inNamespace(IDLE_NS).withName(IDLE).get();
              // its status is what its first reconcile writes last
              assertEquals("Progressing", condition(idle, "Ready", c -> c.getReason()));
              assertNotNull(
                  admin.network().v1().ingresses().inNamespace(IDLE_NS).withName(IDLE).get());
            });
    long mark = audit.mark();
    int logLength = operator.log().length();
    double reconcilesBefore = operator.counter("reconciliations_started_total");
    long t0 = System.nanoTime();
    admin
        .secrets()
        .inNamespace(NS)
        .withName("synapse-db")
        .edit(
            s -> {
              s.getMetadata().getLabels().put("touched", "yes");
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                System.nanoTime() - t0 >= Duration.ofSeconds(60).toNanos()
                    && operator.counter("reconciliations_started_total") - reconcilesBefore >= 6);
    assertEquals(Set.of(), writesSince(mark), "a reconcile with nothing to change must not write");
    assertFalse(
        operator.log().substring(logLength).contains("Generated new keys"),
        "keys generated while nothing changed");
  }

  @Test
  @Order(4)
  void aSynapseOnlyChangeTouchesOnlyTheConfigMapAndSynapse() {
    String synapseBefore = hash(get(StatefulSet.class, NAME + "-synapse"));
    long masGeneration = get(Deployment.class, NAME + "-mas").getMetadata().getGeneration();
    long routerGeneration = get(Deployment.class, NAME + "-router").getMetadata().getGeneration();
    long mark = audit.mark();

    patchSpec("{\"homeserver\":{\"additionalConfig\":{\"presence\":{\"enabled\":false}}}}");

    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> assertNotEquals(synapseBefore, hash(get(StatefulSet.class, NAME + "-synapse"))));
    awaitSynapseRunsItsTemplate();
    awaitReady();
    assertTrue(
        get(ConfigMap.class, NAME + "-config")
            .getData()
            .get("synapse.homeserver.yaml")
            .contains("presence:\n  enabled: false"));
    Set<String> writes = objectsWrittenSince(mark);
    assertTrue(writes.contains("configmaps " + NAME + "-config"), writes.toString());
    assertTrue(writes.contains("statefulsets " + NAME + "-synapse"), writes.toString());
    Set<String> allowed =
        Set.of(
            "configmaps " + NAME + "-config",
            "statefulsets " + NAME + "-synapse",
            "matrixdeployments/status " + NAME);
    assertTrue(allowed.containsAll(writes), "writes beyond the ConfigMap and Synapse: " + writes);
    assertEquals(masGeneration, get(Deployment.class, NAME + "-mas").getMetadata().getGeneration());
    assertEquals(
        routerGeneration, get(Deployment.class, NAME + "-router").getMetadata().getGeneration());
  }

  /**
   * Waits until the Synapse pod runs the StatefulSet's template as it is then, ready (the template
   * is read again on each look: the operator may not have applied a change yet).
   */
  static void awaitSynapseRunsItsTemplate() {
    awaitSynapsePod(() -> hash(get(StatefulSet.class, NAME + "-synapse")));
  }

  static void awaitSynapsePodRuns(String templateHash) {
    awaitSynapsePod(() -> templateHash);
  }

  private static void awaitSynapsePod(java.util.function.Supplier<String> template) {
    await()
        .atMost(Duration.ofSeconds(180))
        .untilAsserted(
            () -> {
              Pod pod = admin.pods().inNamespace(NS).withName(NAME + "-synapse-0").get();
              assertNotNull(pod, "no Synapse pod");
              assertEquals(template.get(), hash(pod), "the Synapse pod runs another template");
              assertTrue(
                  pod.getStatus().getConditions().stream()
                      .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                  "the Synapse pod is not ready");
            });
  }

  @Test
  @Order(5)
  void aRotatedPasswordRollsSynapseAndMasButNotTheRouter() {
    String synapseBefore = hash(get(StatefulSet.class, NAME + "-synapse"));
    String masBefore = hash(get(Deployment.class, NAME + "-mas"));
    String routerBefore = hash(get(Deployment.class, NAME + "-router"));
    long mark = audit.mark();

    TestObjects.applySecret(admin, NS, "synapse-db", Map.of("password", "rotated-password-44"));

    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertNotEquals(synapseBefore, hash(get(StatefulSet.class, NAME + "-synapse")));
              assertNotEquals(masBefore, hash(get(Deployment.class, NAME + "-mas")));
              assertTrue(
                  decode(get(Secret.class, NAME + "-derived-secrets"), "synapse-db.pgpass")
                      .endsWith(":rotated-password-44\n"));
            });
    awaitSynapseRunsItsTemplate();
    awaitReady();
    assertEquals(routerBefore, hash(get(Deployment.class, NAME + "-router")));
    Set<String> writes = objectsWrittenSince(mark);
    Set<String> allowed =
        Set.of(
            "secrets " + NAME + "-derived-secrets",
            "statefulsets " + NAME + "-synapse",
            "deployments " + NAME + "-mas",
            "matrixdeployments/status " + NAME);
    assertTrue(allowed.containsAll(writes), "writes beyond the rotated password's: " + writes);
  }

  @Test
  @Order(6)
  void anInvalidSpecIsReportedAndChangesNothing() {
    String synapseVersion =
        get(StatefulSet.class, NAME + "-synapse").getMetadata().getResourceVersion();
    String configVersion =
        get(ConfigMap.class, NAME + "-config").getMetadata().getResourceVersion();
    String masVersion = get(Deployment.class, NAME + "-mas").getMetadata().getResourceVersion();
    long mark = audit.mark();

    patchSpec("{\"homeserver\":{\"publicBaseUrl\":\"http://matrix.tls.example.net\"}}");
    try {
      assertInvalidSpecReportedAndNothingChanged(mark, synapseVersion, configVersion, masVersion);
    } finally {
      patchSpec("{\"homeserver\":{\"publicBaseUrl\":\"https://matrix.tls.example.net\"}}");
    }
    awaitReady();
  }

  void assertInvalidSpecReportedAndNothingChanged(
      long mark, String synapseVersion, String configVersion, String masVersion) {

    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              MatrixDeployment md = current();
              assertEquals(
                  md.getMetadata().getGeneration(), md.getStatus().getObservedGeneration());
              assertEquals("InvalidSpec", condition(md, "Ready", c -> c.getReason()));
              assertTrue(
                  condition(md, "Ready", c -> c.getMessage())
                      .contains("spec.homeserver.publicBaseUrl: must be an https URL"),
                  condition(md, "Ready", c -> c.getMessage()));
              assertEquals("True", condition(md, "Degraded", c -> c.getStatus()));
            });
    var events =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    admin.v1().events().inNamespace(NS).list().getItems().stream()
                        .filter(
                            e ->
                                "Warning".equals(e.getType())
                                    && "InvalidSpec".equals(e.getReason())
                                    && NAME.equals(e.getInvolvedObject().getName()))
                        .toList(),
                list -> !list.isEmpty());
    assertTrue(
        events.get(0).getMessage().contains("spec.homeserver.publicBaseUrl"),
        events.get(0).getMessage());
    assertEquals("mxstack-operator", events.get(0).getSource().getComponent());
    for (var e : admin.v1().events().inNamespace(NS).list().getItems()) {
      for (String value : secretValues()) {
        assertFalse(e.getMessage().contains(value), "a secret value in an event");
      }
    }
    assertEquals(
        synapseVersion,
        get(StatefulSet.class, NAME + "-synapse").getMetadata().getResourceVersion(),
        "running workloads untouched");
    assertEquals(
        configVersion, get(ConfigMap.class, NAME + "-config").getMetadata().getResourceVersion());
    assertEquals(
        masVersion, get(Deployment.class, NAME + "-mas").getMetadata().getResourceVersion());
    Set<String> writes = objectsWrittenSince(mark);
    assertTrue(
        Set.of("matrixdeployments/status " + NAME, "events ").containsAll(writes),
        "an invalid spec changed objects: " + writes);
  }

  @Test
  @Order(7)
  void changingTheServerNameIsRefusedAtItsFieldPath() {
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> patchSpec("{\"serverName\":\"other.example.net\"}"));
    assertEquals(422, e.getCode(), e.getMessage());
    List<String> fields =
        e.getStatus().getDetails().getCauses().stream().map(StatusCause::getField).toList();
    assertEquals(List.of("spec.serverName"), fields, e.getMessage());
    assertTrue(e.getMessage().contains("immutable"), e.getMessage());
    assertEquals("tls.example.net", current().getSpec().serverName());
  }

  /** What kubectl explain says about the spec (it reads the CRD's schema from the API server). */
  @Test
  @Order(7)
  void kubectlExplainDescribesTheSpec() throws Exception {
    String explained = cp.kubectl("explain", "matrixdeployments.spec");
    String description =
        explained.substring(explained.indexOf("DESCRIPTION:") + "DESCRIPTION:".length());
    description = description.substring(0, description.indexOf("FIELDS:")).strip();
    assertNotEquals("<empty>", description, explained);
    assertTrue(description.contains("Synapse"), explained);
    String serverName = cp.kubectl("explain", "matrixdeployments.spec.serverName");
    assertTrue(serverName.contains("immutable") || serverName.contains("user IDs"), serverName);
  }

  @Test
  @Order(8)
  void switchingToLegacyLoginsAndBack() {
    patchSpec("{\"auth\":{\"mode\":\"legacy\"}}");
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertNull(
                  nameOf(get(Deployment.class, NAME + "-mas")), "MAS Deployment still there");
              assertNull(nameOf(get(Service.class, NAME + "-mas")), "MAS Service still there");
              assertFalse(
                  get(ConfigMap.class, NAME + "-config").getData().containsKey("mas.config.yaml"));
              assertEquals(
                  List.of("matrix.tls.example.net", "tls.example.net"),
                  get(Ingress.class, NAME).getSpec().getRules().stream()
                      .map(r -> r.getHost())
                      .toList());
            });
    awaitSynapseRunsItsTemplate();
    MatrixDeployment legacy = awaitReady();
    assertEquals("legacy", legacy.getStatus().getAuthMode());
    assertNull(legacy.getStatus().getMasUrl());
    assertEquals("NotUsed", condition(legacy, "MasReady", c -> c.getReason()));
    assertCleanStatus(legacy);
    assertFalse(
        get(ConfigMap.class, NAME + "-config")
            .getData()
            .get("synapse.homeserver.yaml")
            .contains("matrix_authentication_service"));

    patchSpec("{\"auth\":{\"mode\":\"mas\"}}");
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertNotNull(get(Deployment.class, NAME + "-mas"), "no MAS Deployment");
              assertNotNull(get(Service.class, NAME + "-mas"), "no MAS Service");
              assertTrue(
                  get(ConfigMap.class, NAME + "-config").getData().containsKey("mas.config.yaml"));
              assertEquals(
                  List.of("matrix.tls.example.net", "account.tls.example.net", "tls.example.net"),
                  get(Ingress.class, NAME).getSpec().getRules().stream()
                      .map(r -> r.getHost())
                      .toList());
            });
    awaitSynapseRunsItsTemplate();
    MatrixDeployment mas = awaitReady();
    assertEquals("mas", mas.getStatus().getAuthMode());
    assertEquals("https://account.tls.example.net", mas.getStatus().getMasUrl());
    assertEquals("PodsReady", condition(mas, "MasReady", c -> c.getReason()));
    assertCleanStatus(mas);
  }

  /** Every condition has a stable reason and a one-line message. */
  static void assertCleanStatus(MatrixDeployment md) {
    for (var c : md.getStatus().getConditions()) {
      assertTrue(
          c.getMessage().length() < 200 && !c.getMessage().contains("\n"),
          c.getType() + ": " + c.getMessage());
      assertEquals(md.getMetadata().getGeneration(), c.getObservedGeneration(), c.getType());
    }
  }

  /**
   * A config Synapse cannot start with, then fixed by the admin: the fixed config reaches Synapse
   * without anyone deleting the crash-looping pod. (With the StatefulSet's default OrderedReady
   * policy the controller waits forever for the broken pod to become ready, Kubernetes' "forced
   * rollback" caveat.)
   */
  @Test
  @Order(9)
  void aBrokenConfigThatIsFixedReachesSynapse() {
    String good = hash(get(StatefulSet.class, NAME + "-synapse"));
    goodSynapse.add(good);
    onlyGoodSynapseRuns = true;
    try {
      patchSpec(
          "{\"homeserver\":{\"additionalConfig\":{\"presence\":{\"enabled\":\"sometimes\"}}}}");
      await()
          .atMost(Duration.ofSeconds(180))
          .untilAsserted(
              () -> {
                Pod pod = admin.pods().inNamespace(NS).withName(NAME + "-synapse-0").get();
                assertNotNull(pod);
                assertNotEquals(good, hash(pod));
                assertFalse(pod.getStatus().getContainerStatuses().isEmpty(), "not started");
                assertEquals(
                    "CrashLoopBackOff",
                    pod.getStatus()
                        .getContainerStatuses()
                        .get(0)
                        .getState()
                        .getWaiting()
                        .getReason());
                MatrixDeployment md = current();
                assertEquals(
                    md.getMetadata().getGeneration(), md.getStatus().getObservedGeneration());
                assertEquals("Waiting for Synapse", condition(md, "Ready", c -> c.getMessage()));
              });

      // The admin puts the previous setting back.
      patchSpec("{\"homeserver\":{\"additionalConfig\":{\"presence\":{\"enabled\":false}}}}");
      await()
          .atMost(Duration.ofSeconds(120))
          .untilAsserted(() -> assertEquals(good, hash(get(StatefulSet.class, NAME + "-synapse"))));
      awaitSynapsePodRuns(good);
      awaitReady();
    } finally {
      onlyGoodSynapseRuns = false;
      kubelet.rule(OperatorOnApiServerIT::podState);
    }
  }

  /**
   * An object the API server refuses (here an annotation key Kubernetes does not allow): the status
   * names the object and the API server's reason in one line, and is written once, not again on
   * every retry. Fixing the spec clears it.
   */
  @Test
  @Order(10)
  void anObjectTheApiServerRefusesIsReportedOnce() {
    long mark = audit.mark();
    patchSpec("{\"ingress\":{\"annotations\":{\"not a valid key!\":\"x\"}}}");
    try {
      assertReportedOnce(mark);
    } finally {
      patchSpec("{\"ingress\":{\"annotations\":{\"not a valid key!\":null}}}");
    }
    assertCleanStatus(awaitReady());
  }

  static void assertReportedOnce(long mark) {
    await()
        .atMost(Duration.ofSeconds(180))
        .until(
            () ->
                audit.since(mark).stream()
                        .filter(e -> e.resource().equals("ingresses") && e.code() == 422)
                        .count()
                    >= 3);
    MatrixDeployment md = current();
    String message = condition(md, "Ready", c -> c.getMessage());
    assertEquals("ReconcileError", condition(md, "Ready", c -> c.getReason()), message);
    assertEquals("True", condition(md, "Degraded", c -> c.getStatus()));
    assertTrue(message.contains("Ingress " + NAME), message);
    assertTrue(message.contains("metadata.annotations"), message);
    assertFalse(message.contains("\tat ") || message.contains("Exception"), message);
    assertTrue(message.length() < 1000, message.length() + " characters: " + message);
    List<AuditLog.Entry> statusWrites =
        audit.writesSince(mark).stream()
            .filter(e -> e.fullResource().equals("matrixdeployments/status") && e.code() < 300)
            .toList();
    assertEquals(
        1, statusWrites.size(), "the same error status written on every retry: " + statusWrites);
  }

  /**
   * The Prometheus operator installed long after the operator started (beyond the 10 checks 10 s
   * apart that JOSDK's CRD activation condition makes): both a ready deployment, which nothing
   * reconciles again, and one still waiting for its pods get their ServiceMonitor.
   */
  @Test
  @Order(11)
  void aServiceMonitorCrdInstalledLaterIsNoticed() throws Exception {
    // What it will scrape: Synapse's and MAS's metrics listeners and the Services' ports.
    ConfigMap config = get(ConfigMap.class, NAME + "-config");
    String homeserver = config.getData().get("synapse.homeserver.yaml");
    assertTrue(
        homeserver.contains("enable_metrics: true") && homeserver.contains("type: metrics"),
        homeserver);
    assertTrue(config.getData().get("mas.config.yaml").contains("name: prometheus"));
    assertTrue(
        get(Service.class, NAME + "-synapse").getSpec().getPorts().stream()
            .anyMatch(p -> p.getName().equals("metrics") && p.getPort() == 9000));
    assertTrue(
        get(Service.class, NAME + "-mas").getSpec().getPorts().stream()
            .anyMatch(p -> p.getName().equals("internal") && p.getPort() == 8081));
    assertNull(
        nameOf(admin.resources(ServiceMonitor.class).inNamespace(NS).withName(NAME).get()),
        "a ServiceMonitor before its CRD exists");
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> operator.uptime().compareTo(Duration.ofSeconds(110)) > 0);
    TestObjects.createServiceMonitorCrd(admin);
    await()
        .atMost(Duration.ofSeconds(180))
        .untilAsserted(
            () -> {
              ServiceMonitor ready =
                  admin.resources(ServiceMonitor.class).inNamespace(NS).withName(NAME).get();
              assertNotNull(ready, "no ServiceMonitor for the ready deployment");
              assertEquals("/_synapse/metrics", ready.getSpec().getEndpoints().get(0).getPath());
              assertEquals("internal", ready.getSpec().getEndpoints().get(1).getPort());
              assertNotNull(
                  admin.resources(ServiceMonitor.class).inNamespace(IDLE_NS).withName(IDLE).get(),
                  "no ServiceMonitor for the deployment waiting for its pods");
            });
  }

  @Test
  @Order(12)
  void deletingItGarbageCollectsAllButTheGeneratedSecrets() {
    admin.resources(MatrixDeployment.class).inNamespace(NS).withName(NAME).delete();
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertNull(nameOf(current()));
              assertNull(nameOf(get(StatefulSet.class, NAME + "-synapse")));
              assertNull(nameOf(get(Deployment.class, NAME + "-mas")));
              assertNull(nameOf(get(Deployment.class, NAME + "-router")));
              assertEquals(
                  List.of(),
                  admin
                      .services()
                      .inNamespace(NS)
                      .withLabel("app.kubernetes.io/instance", NAME)
                      .list()
                      .getItems()
                      .stream()
                      .map(OperatorOnApiServerIT::nameOf)
                      .toList());
              assertNull(nameOf(get(ConfigMap.class, NAME + "-config")));
              assertNull(nameOf(get(Secret.class, NAME + "-derived-secrets")));
              assertNull(nameOf(get(Ingress.class, NAME)));
              assertNull(
                  admin.resources(ServiceMonitor.class).inNamespace(NS).withName(NAME).get());
              assertEquals(
                  List.of(),
                  admin
                      .pods()
                      .inNamespace(NS)
                      .withLabel("app.kubernetes.io/instance", NAME)
                      .list()
                      .getItems()
                      .stream()
                      .map(OperatorOnApiServerIT::nameOf)
                      .toList());
            });
    Secret kept = get(Secret.class, NAME + "-generated-secrets");
    assertNotNull(kept, "the signing key and MAS keys survive the MatrixDeployment");
    assertEquals(8, kept.getData().size());
    assertNotNull(
        get(PersistentVolumeClaim.class, "media-" + NAME + "-synapse-0"), "the media volume stays");
  }

  /**
   * Everything the operator did in this life cycle was allowed by deploy/rbac.yaml, as the API
   * server's authorizer decided; it listed and watched only its own Secrets and the referenced
   * ones.
   */
  @Test
  @Order(13)
  void theClusterRoleAllowedEveryRequest() {
    List<AuditLog.Entry> all = audit.since(start);
    assertFalse(all.isEmpty());
    assertEquals(
        List.of(),
        all.stream().filter(e -> e.code() == 401 || e.forbiddenByAuthorizer()).toList(),
        "requests the API server's authorizer refused");
    for (AuditLog.Entry e : all) {
      if (e.resource().equals("secrets") && e.name().isEmpty()) {
        String uri = java.net.URLDecoder.decode(e.uri(), StandardCharsets.UTF_8);
        assertTrue(
            uri.contains("labelSelector=" + ResourceNames.MANAGED_SELECTOR)
                || uri.contains("labelSelector=" + ResourceNames.REFERENCED_SELECTOR),
            "a list or watch of all Secrets: " + uri);
      }
    }
    Set<String> seen =
        all.stream()
            .map(e -> e.verb() + " " + e.fullResource())
            .collect(Collectors.toCollection(TreeSet::new));
    for (String needed :
        List.of(
            // (a watch is logged when it ends, so the informers' lists stand for them here)
            "list matrixdeployments",
            "get secrets",
            "delete deployments",
            "delete services",
            "list customresourcedefinitions")) {
      assertTrue(seen.contains(needed), needed + " not exercised; seen: " + seen);
    }
    Set<String> written =
        all.stream()
            .filter(AuditLog.Entry::write)
            .map(AuditLog.Entry::fullResource)
            .collect(Collectors.toSet());
    for (String resource :
        List.of(
            "matrixdeployments/status",
            "secrets",
            "configmaps",
            "services",
            "statefulsets",
            "deployments",
            "ingresses",
            "servicemonitors",
            "events")) {
      assertTrue(written.contains(resource), "no write on " + resource + "; seen: " + seen);
    }
  }
}
