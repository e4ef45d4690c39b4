package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import mxstack.core.spec.SecretRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every object the operator makes for each fixture under src/test/resources/fixtures, checked for
 * what an admin relies on: no secret value in any ConfigMap, status or event; probes, resource
 * requests and limits and a non-root security context on every container; the app.kubernetes.io
 * labels. Runs the real reconciler on the Fabric8 mock server (CRUD mode, SSA off: the mock server
 * has no server-side apply).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ManifestTest {

  static final List<String> LABELS =
      List.of(
          "app.kubernetes.io/name",
          "app.kubernetes.io/instance",
          "app.kubernetes.io/component",
          "app.kubernetes.io/part-of",
          "app.kubernetes.io/managed-by");

  @Inject KubernetesClient client;

  static Stream<String> fixtures() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/fixtures"))) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(names.size() >= 5, "at least 5 fixtures");
      return names.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void everyObjectIsSafeAndWellFormed(String fixture) throws Exception {
    String ns = "fx-" + fixture.replace(".yaml", "").toLowerCase(Locale.ROOT);
    MatrixDeployment md =
        Serialization.unmarshal(
            Files.readString(Path.of("src/test/resources/fixtures", fixture)),
            MatrixDeployment.class);
    md.getMetadata().setNamespace(ns);
    String name = md.getMetadata().getName();
    OperatorPlan plan = OperatorPlan.of(md);

    List<String> secretValues = new ArrayList<>();
    Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
    for (var u : plan.state().userSecrets()) {
      SecretRef ref = u.ref();
      byte[] random = new byte[12];
      new SecureRandom().nextBytes(random);
      String value = "v" + HexFormat.of().formatHex(random);
      secrets
          .computeIfAbsent(ref.secretName(), k -> new LinkedHashMap<>())
          .putIfAbsent(ref.key(), value);
    }
    secrets.forEach(
        (secretName, values) -> {
          Map<String, String> data = new LinkedHashMap<>();
          values.forEach(
              (k, v) -> {
                secretValues.add(v);
                data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
              });
          client
              .secrets()
              .inNamespace(ns)
              .resource(
                  new SecretBuilder()
                      .withNewMetadata()
                      .withName(secretName)
                      .withNamespace(ns)
                      .endMetadata()
                      .withData(data)
                      .build())
              .create();
        });
    client.resources(MatrixDeployment.class).inNamespace(ns).resource(md).create();

    boolean ingress = plan.spec().ingress().enabled();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertNotNull(get(ns, ConfigMap.class, name + "-config"));
              assertNotNull(get(ns, StatefulSet.class, name + "-synapse"));
              assertNotNull(get(ns, Deployment.class, name + "-router"));
              assertNotNull(get(ns, Service.class, name + "-router"));
              if (plan.masMode()) {
                assertNotNull(get(ns, Deployment.class, name + "-mas"));
              }
              if (ingress) {
                assertNotNull(get(ns, Ingress.class, name));
              }
              assertNotNull(
                  client
                      .resources(MatrixDeployment.class)
                      .inNamespace(ns)
                      .withName(name)
                      .get()
                      .getStatus());
            });
    assertEquals(plan.masMode(), get(ns, Deployment.class, name + "-mas") != null);
    assertEquals(ingress, get(ns, Ingress.class, name) != null);

    Secret generated = get(ns, Secret.class, name + "-generated-secrets");
    secretValues.addAll(GeneratedSecretValues.of(generated));

    List<String> places = new ArrayList<>();
    client
        .configMaps()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(c -> places.add(Serialization.asYaml(c)));
    places.add(
        Serialization.asYaml(
            client
                .resources(MatrixDeployment.class)
                .inNamespace(ns)
                .withName(name)
                .get()
                .getStatus()));
    client
        .v1()
        .events()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(e -> places.add(Serialization.asYaml(e)));
    for (String value : secretValues) {
      for (String place : places) {
        assertFalse(
            place.contains(value), "a secret value appears in a ConfigMap, the status or an event");
      }
    }

    List<PodSpec> pods = new ArrayList<>();
    pods.add(get(ns, StatefulSet.class, name + "-synapse").getSpec().getTemplate().getSpec());
    pods.add(get(ns, Deployment.class, name + "-router").getSpec().getTemplate().getSpec());
    if (plan.masMode()) {
      pods.add(get(ns, Deployment.class, name + "-mas").getSpec().getTemplate().getSpec());
    }
    for (PodSpec pod : pods) {
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

    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(
        client
            .configMaps()
            .inNamespace(ns)
            .withLabel("app.kubernetes.io/instance", name)
            .list()
            .getItems());
    objects.addAll(client.services().inNamespace(ns).list().getItems());
    objects.addAll(client.apps().statefulSets().inNamespace(ns).list().getItems());
    objects.addAll(client.apps().deployments().inNamespace(ns).list().getItems());
    objects.addAll(client.network().v1().ingresses().inNamespace(ns).list().getItems());
    objects.add(generated);
    objects.add(
        get(ns, Secret.class, name + "-derived-secrets") == null
            ? generated
            : get(ns, Secret.class, name + "-derived-secrets"));
    for (HasMetadata o : objects) {
      for (String label : LABELS) {
        assertNotNull(
            o.getMetadata().getLabels().get(label),
            o.getKind() + " " + o.getMetadata().getName() + " lacks " + label);
      }
      assertEquals(name, o.getMetadata().getLabels().get("app.kubernetes.io/instance"));
    }
  }

  <T extends HasMetadata> T get(String ns, Class<T> type, String name) {
    return client.resources(type).inNamespace(ns).withName(name).get();
  }
}
