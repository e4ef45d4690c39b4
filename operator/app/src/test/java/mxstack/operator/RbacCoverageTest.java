package mxstack.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every request the operator makes is one the ClusterRole in deploy/rbac.yaml allows. There is no
 * authorizer here, so the test plays one: it records every request the real operator sends to the
 * mock API server through a life cycle that uses each kind of permission (start and watch, create
 * every object and a ServiceMonitor, a rotated Secret, a changed spec that removes the Ingress, an
 * invalid spec that raises an Event) and evaluates each against the ClusterRole's rules as
 * Kubernetes's RBAC authorizer would (verb, API group, resource or subresource, resource name).
 *
 * <p>Its own profile gives it a fresh operator and mock server, so only this test's traffic is
 * recorded; its own requests carry another User-Agent and are left out.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(RbacCoverageTest.FreshOperator.class)
class RbacCoverageTest {

  /** A profile of its own: Quarkus starts a new application and mock server for it. */
  public static class FreshOperator implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.log.category.\"mxstack\".level", "INFO");
    }
  }

  static final String NS = "rbac";
  static final String NAME = "audited";
  static final String TEST_AGENT = "mxstack-rbac-test";

  @KubernetesTestServer KubernetesServer server;

  @Inject KubernetesClient operatorClient;

  @Test
  void everyRequestOfTheOperatorIsAllowedByTheClusterRole() throws Exception {
    // What the operator did while starting, before this test made any request.
    List<RecordedRequest> requests = new ArrayList<>(drain());
    requests.removeIf(RbacCoverageTest::isTestOnlyCrdApply);
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(operatorClient.getConfiguration())
                    .withUserAgent(TEST_AGENT)
                    .build())
            .build()) {
      lifeCycle(client);
    }
    requests.addAll(drain());

    List<String> denied = new ArrayList<>();
    TreeSet<String> seen = new TreeSet<>();
    List<PolicyRule> rules = clusterRole().getRules();
    for (RecordedRequest r : requests) {
      if (TEST_AGENT.equals(r.getHeader("User-Agent"))) {
        continue;
      }
      Attributes a = Attributes.of(r.getMethod(), r.getPath());
      seen.add(a.verb() + " " + a.resource());
      if (rules.stream().noneMatch(rule -> a.allowedBy(rule))) {
        denied.add(r.getMethod() + " " + r.getPath() + " (" + a + ")");
      }
    }
    assertEquals(List.of(), denied, "requests deploy/rbac.yaml does not allow");
    // It may read every Secret, but lists and watches only its own and the referenced ones.
    for (RecordedRequest r : requests) {
      Attributes a = Attributes.of(r.getMethod(), r.getPath());
      if (a.resource().equals("secrets") && a.name() == null && a.verb().matches("list|watch")) {
        String query = URLDecoder.decode(r.getPath(), StandardCharsets.UTF_8);
        assertTrue(
            query.contains("labelSelector=" + ResourceNames.MANAGED_SELECTOR)
                || query.contains("labelSelector=" + ResourceNames.REFERENCED_SELECTOR),
            "a list or watch of all Secrets: " + query);
      }
    }
    // The life cycle used each kind of permission, so the check above covered it.
    for (String needed :
        List.of(
            "list matrixdeployments",
            "watch matrixdeployments",
            "patch matrixdeployments/status",
            "list secrets",
            "watch secrets",
            "create secrets",
            "create configmaps",
            "create services",
            "create deployments",
            "create statefulsets",
            "create ingresses",
            "delete ingresses",
            "get customresourcedefinitions",
            "create servicemonitors",
            "create events")) {
      assertTrue(seen.contains(needed), needed + " not exercised; seen: " + seen);
    }
    assertTrue(
        seen.stream().anyMatch(s -> s.startsWith("update ") || s.startsWith("patch ")),
        "no object was changed: " + seen);
  }

  private void lifeCycle(KubernetesClient client) throws Exception {
    TestObjects.createServiceMonitorCrd(client);
    CRDPresentActivationCondition.clearState();
    TestObjects.createDbSecret(client, NS, "first-password");
    String fixture = Files.readString(Path.of("src/test/resources/fixtures/mas-minimal.yaml"));
    apply(client, fixture);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertNotNull(client.resources(Ingress.class).inNamespace(NS).withName(NAME).get());
              assertNotNull(
                  client.resources(ServiceMonitor.class).inNamespace(NS).withName(NAME).get());
              var status = current(client).getStatus();
              assertNotNull(status);
              assertNotNull(status.condition("SecretsReady"));
            });

    // A rotated password: the derived Secret and the pod templates change.
    String derived = NAME + "-derived-secrets";
    String before = client.secrets().inNamespace(NS).withName(derived).get().getData().toString();
    client
        .secrets()
        .inNamespace(NS)
        .withName("db")
        .edit(
            s -> {
              s.setStringData(Map.of("password", "second-password"));
              s.setData(null);
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Secret now = client.secrets().inNamespace(NS).withName(derived).get();
              return !now.getData().toString().equals(before);
            });

    // No Ingress any more: the operator deletes it.
    apply(client, fixture.replace("spec:\n", "spec:\n  ingress:\n    enabled: false\n"));
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertNull(client.resources(Ingress.class).inNamespace(NS).withName(NAME).get()));

    // An invalid spec: a Warning event.
    apply(client, fixture.replace("https://matrix.example.com\n", "matrix.example.com\n"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !client.v1().events().inNamespace(NS).list().getItems().isEmpty());
    Thread.sleep(1000); // the status patch that follows the event
  }

  private static void apply(KubernetesClient client, String yaml) {
    MatrixDeployment md = Serialization.unmarshal(yaml, MatrixDeployment.class);
    md.getMetadata().setNamespace(NS);
    md.getMetadata().setName(NAME);
    MatrixDeployment existing = current(client);
    if (existing == null) {
      client.resources(MatrixDeployment.class).inNamespace(NS).resource(md).create();
    } else {
      md.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.resources(MatrixDeployment.class).inNamespace(NS).resource(md).update();
    }
  }

  private static MatrixDeployment current(KubernetesClient client) {
    return client.resources(MatrixDeployment.class).inNamespace(NS).withName(NAME).get();
  }

  /**
   * Tests start the operator with {@code quarkus.operator-sdk.crd.apply=true} (%test only) so the
   * mock server knows the MatrixDeployment CRD; in a cluster, deploy/ installs it and the operator
   * does not write CRDs. Applied before the test makes any request, so every CRD request among the
   * start-up requests is that one (the ServiceMonitor CRD does not exist yet).
   */
  private static boolean isTestOnlyCrdApply(RecordedRequest r) {
    return r.getPath().contains("/customresourcedefinitions");
  }

  List<RecordedRequest> drain() throws InterruptedException {
    return TestObjects.drain(server);
  }

  private static ClusterRole clusterRole() throws Exception {
    for (Object doc : new Yaml().loadAll(Files.readString(Path.of("../../deploy/rbac.yaml")))) {
      if (doc instanceof Map<?, ?> map && "ClusterRole".equals(map.get("kind"))) {
        return new KubernetesSerialization().convertValue(map, ClusterRole.class);
      }
    }
    throw new AssertionError("no ClusterRole in deploy/rbac.yaml");
  }

  /** What the RBAC authorizer looks at in a resource request. */
  record Attributes(String verb, String group, String resource, String name) {

    /**
     * From an HTTP method and a path such as /apis/apps/v1/namespaces/x/deployments/y?watch=true.
     */
    static Attributes of(String method, String pathAndQuery) {
      String path = pathAndQuery.split("\\?", 2)[0];
      String query = pathAndQuery.contains("?") ? pathAndQuery.split("\\?", 2)[1] : "";
      List<String> parts = new ArrayList<>(List.of(path.substring(1).split("/")));
      String group;
      if (parts.get(0).equals("api")) {
        group = "";
        parts = parts.subList(2, parts.size());
      } else {
        group = parts.get(1);
        parts = parts.subList(3, parts.size());
      }
      if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
        parts = parts.subList(2, parts.size());
      }
      String resource = parts.get(0);
      String name = parts.size() > 1 ? parts.get(1) : null;
      if (parts.size() > 2) {
        resource = resource + "/" + parts.get(2);
      }
      boolean watch =
          List.of(URLDecoder.decode(query, StandardCharsets.UTF_8).split("&"))
              .contains("watch=true");
      String verb =
          switch (method) {
            case "GET" -> watch ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> throw new AssertionError("unexpected method " + method);
          };
      return new Attributes(verb, group, resource, name);
    }

    boolean allowedBy(PolicyRule rule) {
      return rule.getVerbs().contains(verb)
          && rule.getApiGroups().contains(group)
          && rule.getResources().contains(resource)
          && (rule.getResourceNames() == null
              || rule.getResourceNames().isEmpty()
              || rule.getResourceNames().contains(name));
    }
  }
}
