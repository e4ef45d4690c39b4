package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Metrics: Synapse's and MAS's metrics ports on their Services, a ServiceMonitor only where the
 * Prometheus operator's CRD exists, and the operator's own reconcile metrics at /q/metrics. Runs on
 * the Fabric8 mock server (CRUD, SSA off).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityTest {

  @Inject KubernetesClient client;

  @TestHTTPResource("/q/metrics")
  URL metrics;

  MatrixDeployment create(String ns, String name) throws Exception {
    MatrixDeployment md = TestObjects.fixture("heavy-config.yaml", ns, name);
    TestObjects.createSecret(client, ns, "creds", Map.of("synapse", "s3cret-a", "mas", "s3cret-b"));
    return client.resources(MatrixDeployment.class).inNamespace(ns).resource(md).create();
  }

  @Test
  @Order(1)
  void noServiceMonitorWithoutItsCrd() throws Exception {
    CRDPresentActivationCondition.clearState();
    create("obs-a", "plain");
    // The objects are created in no particular order: wait for all the test reads.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (String service : List.of("plain-router", "plain-synapse", "plain-mas")) {
                assertNotNull(client.services().inNamespace("obs-a").withName(service).get());
              }
              assertNotNull(
                  client.configMaps().inNamespace("obs-a").withName("plain-config").get());
            });
    Service synapse = client.services().inNamespace("obs-a").withName("plain-synapse").get();
    assertTrue(
        synapse.getSpec().getPorts().stream()
            .anyMatch(p -> p.getName().equals("metrics") && p.getPort() == 9000));
    Service mas = client.services().inNamespace("obs-a").withName("plain-mas").get();
    assertTrue(
        mas.getSpec().getPorts().stream()
            .anyMatch(p -> p.getName().equals("internal") && p.getPort() == 8081));
    String homeserver =
        client
            .configMaps()
            .inNamespace("obs-a")
            .withName("plain-config")
            .get()
            .getData()
            .get("synapse.homeserver.yaml");
    assertTrue(
        homeserver.contains("enable_metrics: true") && homeserver.contains("type: metrics"),
        homeserver);
    String masConfig =
        client
            .configMaps()
            .inNamespace("obs-a")
            .withName("plain-config")
            .get()
            .getData()
            .get("mas.config.yaml");
    assertTrue(masConfig.contains("name: prometheus"), masConfig);
    Thread.sleep(2000);
    assertNull(client.resources(ServiceMonitor.class).inNamespace("obs-a").withName("plain").get());
  }

  @Test
  @Order(2)
  void aServiceMonitorWhereItsCrdExists() throws Exception {
    TestObjects.createServiceMonitorCrd(client);
    CRDPresentActivationCondition.clearState();
    create("obs-b", "scraped");
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ServiceMonitor monitor =
                  client
                      .resources(ServiceMonitor.class)
                      .inNamespace("obs-b")
                      .withName("scraped")
                      .get();
              assertNotNull(monitor);
              assertEquals("/_synapse/metrics", monitor.getSpec().getEndpoints().get(0).getPath());
              assertEquals("internal", monitor.getSpec().getEndpoints().get(1).getPort());
              assertEquals(
                  "scraped",
                  monitor
                      .getSpec()
                      .getSelector()
                      .getMatchLabels()
                      .get("app.kubernetes.io/instance"));
            });
  }

  @Test
  @Order(3)
  void theOperatorServesReconcileMetrics() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(metrics.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    String body = response.body();
    assertTrue(
        body.lines()
            .anyMatch(
                l ->
                    l.startsWith("reconciliations_started_total")
                        && l.contains("matrixdeployment")),
        "reconcile counts per controller are exported");
    assertTrue(
        body.contains("reconciliations_execution_duration_seconds_count"), "reconcile durations");
    assertTrue(body.contains("reconciliations_success_total"), "reconcile outcomes");
  }
}
