package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import mxstack.operator.cluster.ControlPlane;
import mxstack.operator.cluster.ControlPlaneExtension;
import mxstack.operator.cluster.OperatorProcess;
import mxstack.operator.cluster.TestKubelet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture under src/test/resources/fixtures, four times over: 20 MatrixDeployments created at
 * once, each in a namespace that enforces the "restricted" Pod Security Standard, reconciled by the
 * shipped operator on a real API server until every one is Ready. Then each is checked for what an
 * admin relies on: no secret value in any ConfigMap, status or event; probes, requests and limits
 * and a non-root, read-only, unprivileged security context on every container (the pods exist, so
 * Pod Security admission took them); the app.kubernetes.io labels on every object.
 */
@ExtendWith(ControlPlaneExtension.class)
class FixturesOnApiServerIT {

  static final int COPIES = 4;

  static final List<String> LABELS =
      List.of(
          "app.kubernetes.io/name",
          "app.kubernetes.io/instance",
          "app.kubernetes.io/component",
          "app.kubernetes.io/part-of",
          "app.kubernetes.io/managed-by");

  static KubernetesClient admin;
  static OperatorProcess operator;
  static TestKubelet kubelet;
  static final List<String> namespaces = new ArrayList<>();

  /** The values of the user Secrets made for each namespace. */
  static final Map<String, List<String>> secretValues = new LinkedHashMap<>();

  static List<String> fixtures() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/fixtures"))) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(names.size() >= 5, "at least 5 fixtures");
      return names;
    }
  }

  static String namespace(String fixture, int copy) {
    return "fx-" + fixture.replace(".yaml", "").toLowerCase(Locale.ROOT) + "-" + copy;
  }

  @BeforeAll
  static void createEveryFixtureAtOnce(ControlPlane cp) throws Exception {
    admin = cp.admin();
    kubelet = new TestKubelet(admin);
    kubelet.rule(pod -> TestKubelet.PodState.READY);
    operator = OperatorProcess.start(cp, "operator-fixtures");
    List<MatrixDeployment> all = new ArrayList<>();
    for (String fixture : fixtures()) {
      for (int copy = 0; copy < COPIES; copy++) {
        String ns = namespace(fixture, copy);
        MatrixDeployment md = fixture(fixture, ns);
        TestObjects.createRestrictedNamespace(admin, ns);
        namespaces.add(ns);
        secretValues.put(ns, userSecrets(ns, OperatorPlan.of(md)));
        all.add(md);
      }
    }
    for (MatrixDeployment md : all) {
      admin.resources(MatrixDeployment.class).resource(md).create();
    }
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              List<String> notReady =
                  admin
                      .resources(MatrixDeployment.class)
                      .inAnyNamespace()
                      .list()
                      .getItems()
                      .stream()
                      .filter(md -> md.getMetadata().getNamespace().startsWith("fx-"))
                      .filter(
                          md ->
                              md.getStatus() == null
                                  || md.getStatus().condition("Ready") == null
                                  || !"True".equals(md.getStatus().condition("Ready").getStatus()))
                      .map(md -> md.getMetadata().getNamespace())
                      .toList();
              assertEquals(List.of(), notReady, "not ready yet");
            });
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    if (admin != null) {
      TestObjects.deleteNamespaces(admin, namespaces.toArray(String[]::new));
    }
  }

  static MatrixDeployment fixture(String fixture, String ns) throws Exception {
    MatrixDeployment md =
        Serialization.unmarshal(
            Files.readString(Path.of("src/test/resources/fixtures", fixture)),
            MatrixDeployment.class);
    md.getMetadata().setNamespace(ns);
    return md;
  }

  /** Creates every Secret the plan references, with random values, and returns the values. */
  static List<String> userSecrets(String ns, OperatorPlan plan) {
    Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
    for (var u : plan.state().userSecrets()) {
      byte[] random = new byte[12];
      new SecureRandom().nextBytes(random);
      secrets
          .computeIfAbsent(u.ref().secretName(), k -> new LinkedHashMap<>())
          .putIfAbsent(u.ref().key(), "v" + HexFormat.of().formatHex(random));
    }
    List<String> values = new ArrayList<>();
    secrets.forEach(
        (name, keys) -> {
          values.addAll(keys.values());
          TestObjects.createSecret(admin, ns, name, keys);
        });
    return values;
  }

  static Stream<String> createdNamespaces() {
    return namespaces.stream();
  }

  @ParameterizedTest
  @MethodSource("createdNamespaces")
  void everyObjectIsSafeAndWellFormed(String ns) throws Exception {
    MatrixDeployment md =
        admin.resources(MatrixDeployment.class).inNamespace(ns).list().getItems().get(0);
    String name = md.getMetadata().getName();
    OperatorPlan plan = OperatorPlan.of(md);
    boolean ingress = plan.spec().ingress().enabled();
    assertEquals(plan.masMode(), get(ns, Deployment.class, name + "-mas") != null, "MAS");
    assertEquals(ingress, get(ns, Ingress.class, name) != null, "Ingress");

    List<String> secrets = new ArrayList<>(secretValues.get(ns));
    Secret generated = get(ns, Secret.class, name + "-generated-secrets");
    secrets.addAll(GeneratedSecretValues.of(generated));
    List<String> places = new ArrayList<>();
    admin
        .configMaps()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(c -> places.add(Serialization.asYaml(c)));
    places.add(Serialization.asYaml(md.getStatus()));
    admin
        .v1()
        .events()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(e -> places.add(Serialization.asYaml(e)));
    for (String value : secrets) {
      for (String place : places) {
        assertFalse(
            place.contains(value), "a secret value appears in a ConfigMap, the status or an event");
      }
    }

    List<PodSpec> templates = new ArrayList<>();
    templates.add(get(ns, StatefulSet.class, name + "-synapse").getSpec().getTemplate().getSpec());
    templates.add(get(ns, Deployment.class, name + "-router").getSpec().getTemplate().getSpec());
    if (plan.masMode()) {
      templates.add(get(ns, Deployment.class, name + "-mas").getSpec().getTemplate().getSpec());
    }
    for (PodSpec pod : templates) {
      assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
      assertTrue(pod.getSecurityContext().getRunAsUser() > 0);
      List<Container> all = new ArrayList<>(pod.getContainers());
      all.addAll(pod.getInitContainers());
      for (Container c : all) {
        assertNotNull(
            c.getResources().getRequests().get("memory"), c.getName() + " memory request");
        assertNotNull(c.getResources().getRequests().get("cpu"), c.getName() + " cpu request");
        assertNotNull(c.getResources().getLimits().get("memory"), c.getName() + " memory limit");
        assertEquals(
            Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
        assertEquals(Boolean.TRUE, c.getSecurityContext().getRunAsNonRoot(), c.getName());
        assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
        assertEquals(
            List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
      }
      for (Container c : pod.getContainers()) {
        assertNotNull(c.getReadinessProbe(), c.getName() + " readiness probe");
        assertNotNull(c.getLivenessProbe(), c.getName() + " liveness probe");
      }
    }
    // One pod per workload, admitted at the namespace's "restricted" level.
    assertEquals(
        templates.size(),
        admin
            .pods()
            .inNamespace(ns)
            .withLabel("app.kubernetes.io/instance", name)
            .list()
            .getItems()
            .size());

    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(
        admin
            .configMaps()
            .inNamespace(ns)
            .withLabel("app.kubernetes.io/instance", name)
            .list()
            .getItems());
    objects.addAll(admin.services().inNamespace(ns).list().getItems());
    objects.addAll(admin.apps().statefulSets().inNamespace(ns).list().getItems());
    objects.addAll(admin.apps().deployments().inNamespace(ns).list().getItems());
    objects.addAll(admin.network().v1().ingresses().inNamespace(ns).list().getItems());
    objects.addAll(
        admin
            .secrets()
            .inNamespace(ns)
            .withLabel("app.kubernetes.io/managed-by", "mxstack-operator")
            .list()
            .getItems());
    for (HasMetadata o : objects) {
      for (String label : LABELS) {
        assertNotNull(
            o.getMetadata().getLabels().get(label),
            o.getKind() + " " + o.getMetadata().getName() + " lacks " + label);
      }
      assertEquals(name, o.getMetadata().getLabels().get("app.kubernetes.io/instance"));
    }
  }

  static <T extends HasMetadata> T get(String ns, Class<T> type, String name) {
    return admin.resources(type).inNamespace(ns).withName(name).get();
  }
}
