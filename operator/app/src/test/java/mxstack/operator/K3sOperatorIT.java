package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import java.io.FileInputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The operator against a real API server (K3s in a container): installs the committed CRD, runs the
 * reconciler with server-side apply as in production, applies a MatrixDeployment and waits for its
 * objects and status. Needs a Docker engine; skipped where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sOperatorIT {

  @Container
  static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

  @Test
  void aMatrixDeploymentGetsItsObjectsAndStatus() throws Exception {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml()))
            .build()) {
      try (var crd = new FileInputStream("../../crds/matrixdeployments.mxstack.internal-v1.yml")) {
        client.load(crd).serverSideApply();
      }
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName("matrixdeployments.mxstack.internal")
          .waitUntilCondition(
              c ->
                  c.getStatus() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              x ->
                                  "Established".equals(x.getType())
                                      && "True".equals(x.getStatus())),
              60,
              TimeUnit.SECONDS);

      Operator operator = new Operator(o -> o.withKubernetesClient(client));
      operator.register(new MatrixDeploymentReconciler());
      operator.start();
      try {
        String ns = "matrix";
        client
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .serverSideApply();
        TestObjects.createDbSecret(client, ns, "k3s-test-password");
        MatrixDeployment md = TestObjects.masMinimal(ns, "minimal");
        client.resources(MatrixDeployment.class).inNamespace(ns).resource(md).create();

        await()
            .atMost(Duration.ofMinutes(2))
            .untilAsserted(
                () -> {
                  assertNotNull(
                      client
                          .resources(ConfigMap.class)
                          .inNamespace(ns)
                          .withName("minimal-config")
                          .get());
                  assertNotNull(
                      client
                          .resources(Secret.class)
                          .inNamespace(ns)
                          .withName("minimal-generated-secrets")
                          .get());
                  assertNotNull(
                      client
                          .resources(Secret.class)
                          .inNamespace(ns)
                          .withName("minimal-derived-secrets")
                          .get());
                  assertNotNull(
                      client
                          .resources(StatefulSet.class)
                          .inNamespace(ns)
                          .withName("minimal-synapse")
                          .get());
                  assertNotNull(
                      client
                          .resources(Deployment.class)
                          .inNamespace(ns)
                          .withName("minimal-mas")
                          .get());
                  assertNotNull(
                      client
                          .resources(Deployment.class)
                          .inNamespace(ns)
                          .withName("minimal-router")
                          .get());
                  assertNotNull(
                      client
                          .resources(Service.class)
                          .inNamespace(ns)
                          .withName("minimal-router")
                          .get());
                  assertNotNull(
                      client.resources(Ingress.class).inNamespace(ns).withName("minimal").get());
                  MatrixDeployment current =
                      client
                          .resources(MatrixDeployment.class)
                          .inNamespace(ns)
                          .withName("minimal")
                          .get();
                  assertNotNull(current.getStatus());
                  assertEquals(
                      current.getMetadata().getGeneration(),
                      current.getStatus().getObservedGeneration());
                  assertEquals("True", current.getStatus().condition("SecretsReady").getStatus());
                });

        // The API server enforces the CEL rule: serverName cannot change.
        MatrixDeployment current =
            client.resources(MatrixDeployment.class).inNamespace(ns).withName("minimal").get();
        String renamed =
            Serialization.asYaml(current)
                .replace("serverName: \"example.com\"", "serverName: \"other.example.com\"")
                .replace("serverName: example.com", "serverName: other.example.com");
        try {
          client
              .resources(MatrixDeployment.class)
              .inNamespace(ns)
              .resource(Serialization.unmarshal(renamed, MatrixDeployment.class))
              .update();
          throw new AssertionError("changing spec.serverName must be refused");
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          assertEquals(422, e.getCode(), e.getMessage());
        }
      } finally {
        operator.stop();
      }
    }
  }
}
