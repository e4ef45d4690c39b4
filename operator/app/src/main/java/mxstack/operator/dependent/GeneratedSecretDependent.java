package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.SecretRequirement;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;
import mxstack.standalone.secrets.SecretGenerator;
import org.jboss.logging.Logger;

/**
 * The generated secrets (signing key, MAS keys, shared secrets): created once, never updated, and
 * kept when the MatrixDeployment is deleted (no owner reference), because losing the signing key or
 * the MAS encryption key breaks federation trust and stored data.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class GeneratedSecretDependent extends KubernetesDependentResource<Secret, MatrixDeployment>
    implements Creator<Secret, MatrixDeployment> {

  private static final Logger LOG = Logger.getLogger(GeneratedSecretDependent.class);

  private final SecretGenerator generator = new SecretGenerator();

  /** Creates the dependent. */
  public GeneratedSecretDependent() {
    super(Secret.class);
  }

  /**
   * The Secret is found by its name. JOSDK would otherwise compute the desired Secret to learn its
   * name, on every reconcile: new RSA and EC keys each time, thrown away, most of the operator's
   * CPU time. So keys are generated only when the Secret does not exist.
   */
  @Override
  protected ResourceID targetSecondaryResourceID(
      MatrixDeployment md, Context<MatrixDeployment> context) {
    return new ResourceID(ResourceNames.generatedSecrets(md), md.getMetadata().getNamespace());
  }

  @Override
  protected Secret desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    Map<String, String> data = new TreeMap<>();
    for (SecretRequirement r : ALL_GENERATED) {
      data.put(r.name(), Base64.getEncoder().encodeToString(generator.generate(r.format())));
    }
    // Worth a line in the log: a new signing key breaks federation trust and a new MAS
    // encryption key makes stored MAS data unreadable, so admins back this Secret up.
    LOG.infof(
        "Generated new keys for %s/%s (Secret %s); back this Secret up",
        md.getMetadata().getNamespace(),
        md.getMetadata().getName(),
        ResourceNames.generatedSecrets(md));
    Map<String, String> labels = ResourceNames.labels(md, "secrets");
    labels.put(ResourceNames.GENERATED_FOR, md.getMetadata().getName());
    return new SecretBuilder()
        .withNewMetadata()
        .withName(ResourceNames.generatedSecrets(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(labels)
        .endMetadata()
        .withType("Opaque")
        .withData(data)
        .build();
  }

  /** Every secret either auth mode needs (see {@link GeneratedSecrets#ALL}). */
  static final List<SecretRequirement> ALL_GENERATED = GeneratedSecrets.ALL;

  @Override
  protected boolean addOwnerReference() {
    return false;
  }
}
