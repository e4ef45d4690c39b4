package mxstack.operator;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Objects the tests and benchmarks create: a fixture deployment, its DB Secret, and the Prometheus
 * operator's ServiceMonitor CRD.
 */
final class TestObjects {

  private TestObjects() {}

  /** The mas-minimal fixture as {@code ns/name}. */
  static MatrixDeployment masMinimal(String ns, String name) throws IOException {
    MatrixDeployment md =
        Serialization.unmarshal(
            Files.readString(Path.of("src/test/resources/fixtures/mas-minimal.yaml")),
            MatrixDeployment.class);
    md.getMetadata().setNamespace(ns);
    md.getMetadata().setName(name);
    return md;
  }

  /** Creates the Secret "db" (key "password") that the fixture references. */
  static void createDbSecret(KubernetesClient client, String ns, String password) {
    createSecret(client, ns, "db", "password", password);
  }

  /** Creates a Secret with one key. */
  static void createSecret(
      KubernetesClient client, String ns, String name, String key, String value) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .addToStringData(key, value)
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
}
