package mxstack.operator;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Objects the tests and benchmarks create (fixture deployments, Secrets, the Prometheus operator's
 * ServiceMonitor CRD) and the requests the mock API server recorded.
 */
final class TestObjects {

  private TestObjects() {}

  /** The mas-minimal fixture as {@code ns/name}. */
  static MatrixDeployment masMinimal(String ns, String name) throws IOException {
    return fixture("mas-minimal.yaml", ns, name);
  }

  /** A fixture under src/test/resources/fixtures as {@code ns/name}. */
  static MatrixDeployment fixture(String file, String ns, String name) throws IOException {
    MatrixDeployment md =
        Serialization.unmarshal(
            Files.readString(Path.of("src/test/resources/fixtures", file)), MatrixDeployment.class);
    md.getMetadata().setNamespace(ns);
    md.getMetadata().setName(name);
    return md;
  }

  /** Creates the Secret "db" (key "password") that the fixture references. */
  static void createDbSecret(KubernetesClient client, String ns, String password) {
    createSecret(client, ns, "db", Map.of("password", password));
  }

  /** Creates a Secret with these keys and values. */
  static void createSecret(
      KubernetesClient client, String ns, String name, Map<String, String> values) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withStringData(values)
                .build())
        .create();
  }

  /** A ServiceMonitor CRD as the Prometheus operator installs it (the parts the operator reads). */
  static void createServiceMonitorCrd(KubernetesClient client) {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName("servicemonitors.monitoring.coreos.com")
                .endMetadata()
                .withNewSpec()
                .withGroup("monitoring.coreos.com")
                .withScope("Namespaced")
                .withNewNames()
                .withKind("ServiceMonitor")
                .withPlural("servicemonitors")
                .withSingular("servicemonitor")
                .endNames()
                .addNewVersion()
                .withName("v1")
                .withServed(true)
                .withStorage(true)
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .endVersion()
                .endSpec()
                .build())
        .create();
  }

  /** Takes every request the mock API server has recorded so far. */
  static List<RecordedRequest> drain(KubernetesServer server) throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      requests.add(r);
    }
    return requests;
  }
}
