package mxstack.operator;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Objects the tests and benchmarks create: fixture deployments, namespaces, Secrets, the Prometheus
 * operator's ServiceMonitor CRD.
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

  /** Deletes the ServiceMonitor CRD, if there is one. */
  static void deleteServiceMonitorCrd(KubernetesClient client) {
    client
        .resources(CustomResourceDefinition.class)
        .withName("servicemonitors.monitoring.coreos.com")
        .delete();
  }

  /**
   * A namespace whose pods must meet the "restricted" Pod Security Standard, as deploy/ labels the
   * operator's own.
   */
  static void createRestrictedNamespace(KubernetesClient client, String name) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata()
                .build())
        .create();
  }

  /**
   * Deletes namespaces and everything in them, and waits until they are gone (the controller
   * manager empties them), so that the next test class's operator finds none of their objects.
   */
  static void deleteNamespaces(KubernetesClient client, String... names) {
    for (String name : names) {
      client.namespaces().withName(name).delete();
    }
    for (String name : names) {
      client.namespaces().withName(name).waitUntilCondition(ns -> ns == null, 3, TimeUnit.MINUTES);
    }
  }

  /**
   * Creates a Secret with these keys and values, or replaces its values (keeping its labels, as
   * {@code kubectl edit} would).
   */
  static void applySecret(
      KubernetesClient client, String ns, String name, Map<String, String> values) {
    var resource = client.secrets().inNamespace(ns).withName(name);
    if (resource.get() == null) {
      createSecret(client, ns, name, values);
    } else {
      resource.edit(
          s -> {
            s.setData(null);
            s.setStringData(values);
            return s;
          });
    }
  }
}
