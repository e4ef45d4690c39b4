package mxstack.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import mxstack.core.plan.UserSecret;
import mxstack.core.spec.SecretRef;

/**
 * The admin's Secrets that a MatrixDeployment references. The operator watches only Secrets that
 * carry {@link ResourceNames#REFERENCED_LABEL}, so it does not cache every Secret of the cluster
 * (Helm's release Secrets alone can be megabytes): a referenced Secret is read from that cache, and
 * one that is not in it yet is read from the API once and labelled, after which the watch keeps it
 * current. A Secret that loses the label (replaced by a manifest without it) leaves the cache,
 * which reconciles its MatrixDeployments, and is read and labelled again. Values never leave this
 * class except into derived Secrets.
 */
public final class UserSecrets {

  /** Name of the event source that watches the referenced Secrets. */
  public static final String EVENT_SOURCE = "user-secrets";

  private final InformerEventSource<Secret, MatrixDeployment> cache;
  private final KubernetesClient client;
  private final String namespace;

  /** Secrets this reconcile read from the API because the cache did not have them yet. */
  private final Map<String, Optional<Secret>> fetched = new ConcurrentHashMap<>();

  private UserSecrets(
      InformerEventSource<Secret, MatrixDeployment> cache,
      KubernetesClient client,
      String namespace) {
    this.cache = cache;
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * The referenced Secrets as this reconcile sees them: one instance per reconcile, shared by the
   * reconciler and its dependents, so a Secret not yet in the cache is read from the API once.
   */
  @SuppressWarnings("unchecked")
  public static UserSecrets from(Context<MatrixDeployment> context) {
    var perReconcile = context.managedWorkflowAndDependentResourceContext();
    synchronized (perReconcile) {
      return perReconcile
          .get(UserSecrets.class, UserSecrets.class)
          .orElseGet(
              () -> {
                var source =
                    (InformerEventSource<Secret, MatrixDeployment>)
                        context
                            .eventSourceRetriever()
                            .getEventSourceFor(Secret.class, EVENT_SOURCE);
                UserSecrets secrets =
                    new UserSecrets(
                        source,
                        context.getClient(),
                        context.getPrimaryResource().getMetadata().getNamespace());
                perReconcile.put(UserSecrets.class, secrets);
                return secrets;
              });
    }
  }

  /** The value of a referenced key, trimmed; IOException naming the Secret and key if absent. */
  public String value(SecretRef ref) throws IOException {
    return raw(ref)
        .map(v -> v.strip())
        .orElseThrow(
            () ->
                new IOException(
                    "Secret "
                        + ref.secretName()
                        + " has no key "
                        + ref.key()
                        + " (or is missing)"));
  }

  private Optional<String> raw(SecretRef ref) {
    if (ref.secretName() == null) {
      return Optional.empty();
    }
    return secret(ref.secretName())
        .map(
            s -> {
              if (s.getData() != null && s.getData().containsKey(ref.key())) {
                return new String(
                    Base64.getDecoder().decode(s.getData().get(ref.key())), StandardCharsets.UTF_8);
              }
              return s.getStringData() == null ? null : s.getStringData().get(ref.key());
            });
  }

  /** From the watch's cache, or else from the API, labelled so that the watch takes it up. */
  private Optional<Secret> secret(String name) {
    Optional<Secret> cached = cache.get(new ResourceID(name, namespace));
    if (cached.isPresent()) {
      return cached;
    }
    return fetched.computeIfAbsent(name, this::fetchAndLabel);
  }

  private Optional<Secret> fetchAndLabel(String name) {
    var resource = client.secrets().inNamespace(namespace).withName(name);
    Secret live = resource.get();
    if (live == null) {
      return Optional.empty();
    }
    Map<String, String> labels = live.getMetadata().getLabels();
    if (labels == null || !"true".equals(labels.get(ResourceNames.REFERENCED_LABEL))) {
      resource.patch(
          PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"labels\":{\"" + ResourceNames.REFERENCED_LABEL + "\":\"true\"}}}");
    }
    return Optional.of(live);
  }

  /** "field: secret/key" for each reference whose Secret or key does not exist. */
  public List<String> missing(OperatorPlan plan) {
    List<String> missing = new ArrayList<>();
    for (UserSecret u : plan.state().userSecrets()) {
      if (raw(u.ref()).isEmpty()) {
        missing.add(u.field() + ": Secret " + u.ref().secretName() + " key " + u.ref().key());
      }
    }
    return missing;
  }

  /**
   * A hash of the referenced values a process reads (directly or through derived files), so its
   * pods roll when the admin changes one. Never the values themselves.
   */
  public String hashFor(OperatorPlan plan, String process) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (UserSecret u : plan.state().userSecrets()) {
        digest.update(u.field().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(raw(u.ref()).orElse("").getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      digest.update(process.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
