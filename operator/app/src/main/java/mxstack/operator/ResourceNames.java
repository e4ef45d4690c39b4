package mxstack.operator;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects the operator makes for one MatrixDeployment. */
public final class ResourceNames {

  /** Annotation on pod templates: the hash of everything the container reads. */
  public static final String INPUTS_HASH = "mxstack.internal/inputs-hash";

  /**
   * Label selector of every object the operator makes: its informers cache only these, not every
   * ConfigMap, Secret and Deployment of the cluster.
   */
  public static final String MANAGED_SELECTOR = "app.kubernetes.io/managed-by=mxstack-operator";

  /** Selects every object the operator did not create (the admin's Secrets among them). */
  public static final String UNMANAGED_SELECTOR = "app.kubernetes.io/managed-by!=mxstack-operator";

  /**
   * Label the operator puts on the admin's Secrets that a MatrixDeployment references, so that it
   * watches (and caches) those and not every Secret in the cluster.
   */
  public static final String REFERENCED_LABEL = "mxstack.internal/referenced";

  /** The admin's Secrets the operator watches: referenced ones, not its own. */
  public static final String REFERENCED_SELECTOR = REFERENCED_LABEL + "=true," + UNMANAGED_SELECTOR;

  /** Label on generated Secrets (which outlive their MatrixDeployment). */
  public static final String GENERATED_FOR = "mxstack.internal/generated-for";

  private ResourceNames() {}

  public static String synapse(MatrixDeployment md) {
    return md.getMetadata().getName() + "-synapse";
  }

  public static String mas(MatrixDeployment md) {
    return md.getMetadata().getName() + "-mas";
  }

  public static String router(MatrixDeployment md) {
    return md.getMetadata().getName() + "-router";
  }

  public static String config(MatrixDeployment md) {
    return md.getMetadata().getName() + "-config";
  }

  public static String generatedSecrets(MatrixDeployment md) {
    return md.getMetadata().getName() + "-generated-secrets";
  }

  public static String derivedSecrets(MatrixDeployment md) {
    return md.getMetadata().getName() + "-derived-secrets";
  }

  public static String ingress(MatrixDeployment md) {
    return md.getMetadata().getName();
  }

  /** The app.kubernetes.io labels of one component. */
  public static Map<String, String> labels(MatrixDeployment md, String component) {
    Map<String, String> labels = new LinkedHashMap<>(selector(md, component));
    labels.put("app.kubernetes.io/part-of", "mxstack");
    labels.put("app.kubernetes.io/managed-by", "mxstack-operator");
    return labels;
  }

  /** The labels that select one component's pods. */
  public static Map<String, String> selector(MatrixDeployment md, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", component);
    labels.put("app.kubernetes.io/instance", md.getMetadata().getName());
    labels.put("app.kubernetes.io/component", component);
    return labels;
  }
}
