package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real reconciler against the Fabric8 mock API server in CRUD mode. The mock server does not
 * implement server-side apply, so SSA is switched off for tests (application.properties, %test). It
 * runs no controllers and no garbage collector either: pods never become ready here, and deletion
 * of owned objects is shown through their owner references.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MatrixDeploymentOperatorTest {

  static final String NS = "matrix";
  static final String NAME = "tls-db";
  static final String SYNAPSE_DB_PASSWORD = "synapse-db-pass-7f3a";
  static final String MAS_DB_PASSWORD = "mas-db-pass-9c1b";

  @KubernetesTestServer KubernetesServer server;

  @Inject KubernetesClient client;

  MatrixDeployment resource() throws Exception {
    String yaml =
        Files.readString(
            Path.of("../core/src/test/resources/golden/external-databases-tls/spec.yaml"));
    MatrixDeployment md = Serialization.unmarshal(yaml, MatrixDeployment.class);
    md.getMetadata().setNamespace(NS);
    return md;
  }

  void userSecrets(String synapsePassword) {
    secret("synapse-db", Map.of("password", synapsePassword));
    secret("mas-db", Map.of("password", MAS_DB_PASSWORD));
    secret(
        "pg-ca", Map.of("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"));
  }

  void secret(String name, Map<String, String> values) {
    Map<String, String> data = new java.util.HashMap<>();
    values.forEach(
        (k, v) ->
            data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withData(data)
                .build())
        .createOr(r -> r.update());
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  MatrixDeployment current() {
    return client.resources(MatrixDeployment.class).inNamespace(NS).withName(NAME).get();
  }

  @Test
  @Order(1)
  void createMakesEveryObjectWithOwnerReferences() throws Exception {
    userSecrets(SYNAPSE_DB_PASSWORD);
    client.resources(MatrixDeployment.class).inNamespace(NS).resource(resource()).create();

    await()
        .atMost(Duration.ofSeconds(60))
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
    String uid = current().getMetadata().getUid();
    for (HasMetadata owned :
        List.<HasMetadata>of(
            get(ConfigMap.class, NAME + "-config"),
            get(Secret.class, NAME + "-derived-secrets"),
            get(StatefulSet.class, NAME + "-synapse"),
            get(Deployment.class, NAME + "-mas"),
            get(Deployment.class, NAME + "-router"),
            get(Service.class, NAME + "-router"),
            get(Ingress.class, NAME))) {
      assertEquals(
          uid,
          owned.getMetadata().getOwnerReferences().get(0).getUid(),
          owned.getMetadata().getName());
    }
    assertTrue(
        get(Secret.class, NAME + "-generated-secrets").getMetadata().getOwnerReferences() == null
            || get(Secret.class, NAME + "-generated-secrets")
                .getMetadata()
                .getOwnerReferences()
                .isEmpty(),
        "generated secrets are not owned, so deleting the MatrixDeployment keeps them");

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
    String derived =
        new String(
            Base64.getDecoder()
                .decode(
                    get(Secret.class, NAME + "-derived-secrets")
                        .getData()
                        .get("synapse-db.pgpass")),
            StandardCharsets.UTF_8);
    assertEquals("*:*:*:synapse_user:" + SYNAPSE_DB_PASSWORD + "\n", derived);

    Ingress ingress = get(Ingress.class, NAME);
    List<String> hosts = ingress.getSpec().getRules().stream().map(r -> r.getHost()).toList();
    assertEquals(
        List.of("matrix.tls.example.net", "account.tls.example.net", "tls.example.net"), hosts);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              MatrixDeploymentStatus status = current().getStatus();
              assertNotNull(status);
              assertEquals(current().getMetadata().getGeneration(), status.getObservedGeneration());
              assertEquals("True", status.condition("SecretsReady").getStatus());
              assertEquals("False", status.condition("Ready").getStatus());
              assertEquals("Progressing", status.condition("Ready").getReason());
              assertEquals("mas", status.getAuthMode());
            });
  }

  /**
   * The client the informers read through shares one copy of each short string (SharedStrings): the
   * owner's UID and the namespace, repeated in every object the operator keeps in its caches, are
   * one instance each; a config file is not copied into the JVM's string table.
   */
  @Test
  @Order(2)
  void theObjectsReadShareTheirRepeatedStrings() {
    ConfigMap config = get(ConfigMap.class, NAME + "-config");
    Service service = get(Service.class, NAME + "-router");
    assertSame(
        config.getMetadata().getOwnerReferences().get(0).getUid(),
        service.getMetadata().getOwnerReferences().get(0).getUid());
    assertSame(config.getMetadata().getNamespace(), service.getMetadata().getNamespace());
    String homeserver = config.getData().get("synapse.homeserver.yaml");
    assertNotSame(homeserver, new String(homeserver).intern());
  }

  List<String> secretValues() {
    List<String> values = new ArrayList<>(List.of(SYNAPSE_DB_PASSWORD, MAS_DB_PASSWORD));
    values.addAll(GeneratedSecretValues.of(get(Secret.class, NAME + "-generated-secrets")));
    return values;
  }

  static String hash(StatefulSet s) {
    return s.getSpec().getTemplate().getMetadata().getAnnotations().get(ResourceNames.INPUTS_HASH);
  }

  static String hash(Deployment d) {
    return d.getSpec().getTemplate().getMetadata().getAnnotations().get(ResourceNames.INPUTS_HASH);
  }

  @Test
  @Order(3)
  void aNoOpReconcileWritesNothing() throws Exception {
    Thread.sleep(3000); // let the first reconciles settle
    drain();
    // Two reconciles with nothing to change: one caused by a rewrite of a referenced Secret
    // with the same value (the test's own request is left out below), and the periodic look
    // the reconciler takes every 10 s while the deployment is not ready.
    client
        .secrets()
        .inNamespace(NS)
        .withName("synapse-db")
        .edit(
            secret -> {
              secret.getMetadata().setLabels(Map.of("touched", "yes"));
              return secret;
            });
    Thread.sleep(MatrixDeploymentReconciler.RECHECK.toMillis() + 3000);
    List<String> mutating =
        drain().stream()
            .filter(r -> !r.getMethod().equals("GET"))
            .filter(r -> !isTestsOwnSecretWrite(r))
            .map(r -> r.getMethod() + " " + r.getPath())
            .toList();
    assertEquals(List.of(), mutating, "a reconcile with nothing to change must not write");
  }

  static boolean isTestsOwnSecretWrite(RecordedRequest r) {
    return r.getPath().contains("/secrets/synapse-db");
  }

  List<RecordedRequest> drain() throws InterruptedException {
    return TestObjects.drain(server);
  }

  @Test
  @Order(4)
  void aSynapseChangeRollsOnlySynapse() throws Exception {
    String synapseBefore = hash(get(StatefulSet.class, NAME + "-synapse"));
    String masBefore = hash(get(Deployment.class, NAME + "-mas"));
    String routerBefore = hash(get(Deployment.class, NAME + "-router"));
    String secretVersion =
        get(Secret.class, NAME + "-generated-secrets").getMetadata().getResourceVersion();
    MatrixDeployment md = current();
    md.getSpec().homeserver().additionalConfig();
    String yaml =
        Serialization.asYaml(md)
            .replace(
                "  homeserver:\n",
                "  homeserver:\n    additionalConfig:\n      presence:\n        enabled: false\n");
    MatrixDeployment edited = Serialization.unmarshal(yaml, MatrixDeployment.class);
    client.resources(MatrixDeployment.class).inNamespace(NS).resource(edited).update();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertNotEquals(synapseBefore, hash(get(StatefulSet.class, NAME + "-synapse"))));
    assertTrue(
        get(ConfigMap.class, NAME + "-config")
            .getData()
            .get("synapse.homeserver.yaml")
            .contains("presence:\n  enabled: false"));
    assertEquals(masBefore, hash(get(Deployment.class, NAME + "-mas")));
    assertEquals(routerBefore, hash(get(Deployment.class, NAME + "-router")));
    assertEquals(
        secretVersion,
        get(Secret.class, NAME + "-generated-secrets").getMetadata().getResourceVersion(),
        "generated secrets are never updated");
  }

  @Test
  @Order(5)
  void aChangedReferencedSecretReachesThePods() throws Exception {
    String synapseBefore = hash(get(StatefulSet.class, NAME + "-synapse"));
    userSecrets("rotated-password-44");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertNotEquals(synapseBefore, hash(get(StatefulSet.class, NAME + "-synapse")));
              String derived =
                  new String(
                      Base64.getDecoder()
                          .decode(
                              get(Secret.class, NAME + "-derived-secrets")
                                  .getData()
                                  .get("synapse-db.pgpass")),
                      StandardCharsets.UTF_8);
              assertTrue(derived.endsWith(":rotated-password-44\n"));
              // Replaced by a manifest without the operator's label: it is labelled again, so
              // the watch keeps seeing it.
              assertEquals(
                  "true",
                  get(Secret.class, "synapse-db")
                      .getMetadata()
                      .getLabels()
                      .get(ResourceNames.REFERENCED_LABEL));
            });
  }

  @Test
  @Order(6)
  void anInvalidSpecIsReportedAndChangesNothing() throws Exception {
    String version = get(StatefulSet.class, NAME + "-synapse").getMetadata().getResourceVersion();
    String configVersion =
        get(ConfigMap.class, NAME + "-config").getMetadata().getResourceVersion();
    String yaml =
        Serialization.asYaml(current())
            .replace(
                "publicBaseUrl: \"https://matrix.tls.example.net\"",
                "publicBaseUrl: \"http://matrix.tls.example.net\"")
            .replace(
                "publicBaseUrl: https://matrix.tls.example.net",
                "publicBaseUrl: http://matrix.tls.example.net");
    client
        .resources(MatrixDeployment.class)
        .inNamespace(NS)
        .resource(Serialization.unmarshal(yaml, MatrixDeployment.class))
        .update();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              MatrixDeploymentStatus status = current().getStatus();
              assertEquals(current().getMetadata().getGeneration(), status.getObservedGeneration());
              assertEquals("False", status.condition("Ready").getStatus());
              assertEquals("InvalidSpec", status.condition("Ready").getReason());
              assertTrue(
                  status
                      .condition("Ready")
                      .getMessage()
                      .contains("spec.homeserver.publicBaseUrl: must be an https URL"),
                  status.condition("Ready").getMessage());
              assertEquals("True", status.condition("Degraded").getStatus());
            });
    var events = client.v1().events().inNamespace(NS).list().getItems();
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    "Warning".equals(e.getType())
                        && "InvalidSpec".equals(e.getReason())
                        && e.getMessage().contains("spec.homeserver.publicBaseUrl")),
        "a Warning event names the violation");
    assertEquals(
        version,
        get(StatefulSet.class, NAME + "-synapse").getMetadata().getResourceVersion(),
        "running workloads untouched");
    assertEquals(
        configVersion, get(ConfigMap.class, NAME + "-config").getMetadata().getResourceVersion());
    for (var e : events) {
      for (String value : secretValues()) {
        assertFalse(e.getMessage().contains(value), "a secret value in an event");
      }
    }
  }

  @Test
  @Order(7)
  void deletingKeepsTheGeneratedSecrets() throws Exception {
    String uid = current().getMetadata().getUid();
    client.resources(MatrixDeployment.class).inNamespace(NS).withName(NAME).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> current() == null);
    // The mock server has no garbage collector: do what it does with owner references.
    for (Class<? extends HasMetadata> type :
        List.of(
            ConfigMap.class,
            Secret.class,
            StatefulSet.class,
            Deployment.class,
            Service.class,
            Ingress.class)) {
      for (HasMetadata o : client.resources(type).inNamespace(NS).list().getItems()) {
        if (o.getMetadata().getOwnerReferences() != null
            && o.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> uid.equals(r.getUid()))) {
          client.resource(o).delete();
        }
      }
    }
    assertEquals(null, get(StatefulSet.class, NAME + "-synapse"));
    assertEquals(null, get(ConfigMap.class, NAME + "-config"));
    Secret kept = get(Secret.class, NAME + "-generated-secrets");
    assertNotNull(kept, "the signing key and MAS keys survive the MatrixDeployment");
    assertEquals(8, kept.getData().size());
  }

  /**
   * A MatrixDeployment whose Secret does not exist yet says so, and proceeds once the admin creates
   * it (the operator looks again every 10 s while it is not ready). The operator labels the Secrets
   * a spec references, which is what its watch on Secrets selects: a Secret no spec references is
   * neither labelled nor watched.
   */
  @Test
  @Order(8)
  void aSecretCreatedLaterIsFoundLabelledAndWatched() throws Exception {
    String ns = "late";
    TestObjects.createSecret(client, ns, "unrelated", Map.of("token", "not-for-matrix"));
    client
        .resources(MatrixDeployment.class)
        .inNamespace(ns)
        .resource(TestObjects.masMinimal(ns, "late"))
        .create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var status =
                  client
                      .resources(MatrixDeployment.class)
                      .inNamespace(ns)
                      .withName("late")
                      .get()
                      .getStatus();
              assertNotNull(status);
              assertEquals("MissingSecret", status.condition("SecretsReady").getReason());
              assertTrue(
                  status.condition("SecretsReady").getMessage().contains("Secret db key password"),
                  status.condition("SecretsReady").getMessage());
            });
    assertNull(client.apps().statefulSets().inNamespace(ns).withName("late-synapse").get());

    TestObjects.createDbSecret(client, ns, "late-password");
    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              assertNotNull(
                  client.apps().statefulSets().inNamespace(ns).withName("late-synapse").get());
              assertEquals(
                  "True",
                  client
                      .resources(MatrixDeployment.class)
                      .inNamespace(ns)
                      .withName("late")
                      .get()
                      .getStatus()
                      .condition("SecretsReady")
                      .getStatus());
            });
    Map<String, String> labels =
        client.secrets().inNamespace(ns).withName("db").get().getMetadata().getLabels();
    assertEquals("true", labels.get(ResourceNames.REFERENCED_LABEL));
    Map<String, String> unrelated =
        client.secrets().inNamespace(ns).withName("unrelated").get().getMetadata().getLabels();
    assertTrue(unrelated == null || unrelated.isEmpty(), "labelled: " + unrelated);
  }
}
