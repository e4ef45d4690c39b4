package mxstack.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mxstack.core.validation.SpecReader;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The install manifests under deploy/ (what {@code kubectl apply -k deploy/} applies) and the
 * example MatrixDeployment, read as files: no cluster here, so this checks what can be checked
 * without one.
 */
class DeployManifestsTest {

  private static final Path DEPLOY = Path.of("../../deploy");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /**
   * What the run script of Quarkus's default UBI OpenJDK runtime images puts before
   * JAVA_OPTS_APPEND, with GC_CONTAINER_OPTIONS (default {@code -XX:+UseParallelGC}) in its place.
   */
  private static final String IMAGE_DEFAULTS =
      "-XX:MaxRAMPercentage=80.0 %s -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
          + " -XX:GCTimeRatio=4 -XX:AdaptiveSizePolicyWeight=90 -XX:+ExitOnOutOfMemoryError";

  @Test
  void everyInstallResourceExistsAndIsInTheOperatorNamespace() throws Exception {
    Map<String, Object> kustomization = only(load("kustomization.yaml"));
    assertEquals("mxstack-system", kustomization.get("namespace"));
    @SuppressWarnings("unchecked")
    List<String> resources = (List<String>) kustomization.get("resources");
    for (String resource : resources) {
      assertFalse(load(resource).isEmpty(), resource + " is listed but holds no object");
    }
    assertTrue(resources.contains("rbac.yaml") && resources.contains("operator-deployment.yaml"));
  }

  @Test
  void rbacNamesEveryGroupResourceAndVerb() throws Exception {
    List<Map<String, Object>> docs = load("rbac.yaml");
    ClusterRole role = as(docs, "ClusterRole", ClusterRole.class);
    assertFalse(role.getRules().isEmpty());
    for (PolicyRule rule : role.getRules()) {
      for (List<String> names :
          List.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs())) {
        assertFalse(names.contains("*"), "wildcard in " + rule);
      }
      assertFalse(
          rule.getVerbs().contains("escalate") || rule.getVerbs().contains("bind"),
          rule.toString());
    }
    ClusterRoleBinding binding = as(docs, "ClusterRoleBinding", ClusterRoleBinding.class);
    assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
    assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
    assertEquals("mxstack-operator", binding.getSubjects().get(0).getName());
    assertEquals("mxstack-system", binding.getSubjects().get(0).getNamespace());
  }

  @Test
  void theOperatorContainerIsProbedLimitedAndUnprivileged() throws Exception {
    Deployment deployment = operatorDeployment();
    assertEquals(
        "mxstack-operator", deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
    assertEquals(1, deployment.getSpec().getReplicas());
    assertEquals("Recreate", deployment.getSpec().getStrategy().getType());
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertNotNull(container.getStartupProbe());
    assertNotNull(container.getReadinessProbe());
    assertNotNull(container.getLivenessProbe());
    assertNotNull(container.getResources().getRequests().get("memory"));
    assertNotNull(container.getResources().getLimits().get("memory"));
    assertTrue(container.getSecurityContext().getRunAsNonRoot());
    assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
  }

  /**
   * The JVM options the Deployment sets, put together as the image's run script does, start this
   * JDK; and without GC_CONTAINER_OPTIONS they would not (two collectors), which is why it is set.
   */
  @Test
  void theJvmStartsWithTheOptionsAsTheImageCombinesThem() throws Exception {
    Container container =
        operatorDeployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    String append = env(container, "JAVA_OPTS_APPEND");
    String gc = env(container, "GC_CONTAINER_OPTIONS");
    assertTrue(append.contains(gc), "JAVA_OPTS_APPEND names another collector than " + gc);

    Run withGc = java(String.format(IMAGE_DEFAULTS, gc) + " " + append);
    assertEquals(0, withGc.exit(), withGc.output());
    Run imageDefault = java(String.format(IMAGE_DEFAULTS, "-XX:+UseParallelGC") + " " + append);
    assertNotEquals(0, imageDefault.exit(), "the image's default collector no longer conflicts");
    assertTrue(
        imageDefault.output().contains("Multiple garbage collectors selected"),
        imageDefault.output());
  }

  @Test
  void theExampleMatrixDeploymentIsValid() throws Exception {
    String text = Files.readString(DEPLOY.resolve("examples/matrixdeployment.yaml"));
    assertEquals("example.com", SpecReader.load(text).spec().serverName());
  }

  /**
   * The example Secrets are the ones the example MatrixDeployment references, with the keys it
   * reads, and carry the label the operator watches by.
   */
  @Test
  void theExampleSecretsAreTheReferencedOnesAndLabelled() throws Exception {
    var spec =
        SpecReader.load(Files.readString(DEPLOY.resolve("examples/matrixdeployment.yaml"))).spec();
    Map<String, Map<String, Object>> secrets = new java.util.TreeMap<>();
    for (Map<String, Object> doc : load("examples/secrets.example.yaml")) {
      if ("Secret".equals(doc.get("kind"))) {
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = (Map<String, Object>) doc.get("metadata");
        assertEquals(
            Map.of(ResourceNames.REFERENCED_LABEL, "true"), metadata.get("labels"), doc.toString());
        secrets.put((String) metadata.get("name"), doc);
      }
    }
    var references = mxstack.core.plan.Planner.secretReferences(spec).values();
    assertFalse(references.isEmpty());
    for (var ref : references) {
      Map<String, Object> secret = secrets.get(ref.secretName());
      assertNotNull(secret, "no example Secret " + ref.secretName());
      @SuppressWarnings("unchecked")
      Map<String, Object> data = (Map<String, Object>) secret.get("stringData");
      assertTrue(data.containsKey(ref.key()), ref.secretName() + " has no key " + ref.key());
    }
  }

  private record Run(int exit, String output) {}

  private static Run java(String options) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(options.trim().split("\\s+")));
    command.add("-version");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    return new Run(process.exitValue(), output);
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in the operator container"));
  }

  private static Deployment operatorDeployment() throws Exception {
    return as(load("operator-deployment.yaml"), "Deployment", Deployment.class);
  }

  private static <T> T as(List<Map<String, Object>> docs, String kind, Class<T> type) {
    return docs.stream()
        .filter(d -> kind.equals(d.get("kind")))
        .map(d -> SERIALIZATION.convertValue(d, type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind));
  }

  private static Map<String, Object> only(List<Map<String, Object>> docs) {
    assertEquals(1, docs.size());
    return docs.get(0);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> load(String file) throws Exception {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(Files.readString(DEPLOY.resolve(file)))) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }
}
