package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.SecretRequirement;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;
import mxstack.standalone.secrets.SecretGenerator;

/**
 * The generated secrets (signing key, MAS keys, shared secrets): created once, never updated, and
 * kept when the MatrixDeployment is deleted (no owner reference), because losing the signing key or
 * the MAS encryption key breaks federation trust and stored data.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class GeneratedSecretDependent extends KubernetesDependentResource<Secret, MatrixDeployment>
    implements Creator<Secret, MatrixDeployment> {

  private final SecretGenerator generator = new SecretGenerator();

  /** Creates the dependent. */
  public GeneratedSecretDependent() {
    super(Secret.class);
  }

  @Override
  protected Secret desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    Map<String, String> data = new TreeMap<>();
    for (SecretRequirement r : ALL_GENERATED) {
      data.put(r.name(), Base64.getEncoder().encodeToString(generator.generate(r.format())));
    }
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

  /**
   * Every secret either auth mode needs: a later switch between legacy and MAS must not need a
   * Secret that is never updated.
   */
  static final List<SecretRequirement> ALL_GENERATED =
      List.of(
          GeneratedSecrets.SYNAPSE_SIGNING_KEY,
          GeneratedSecrets.SYNAPSE_MACAROON,
          GeneratedSecrets.SYNAPSE_FORM,
          GeneratedSecrets.SYNAPSE_REGISTRATION,
          GeneratedSecrets.MAS_SYNAPSE_SHARED,
          GeneratedSecrets.MAS_ENCRYPTION,
          GeneratedSecrets.MAS_RSA_KEY,
          GeneratedSecrets.MAS_EC_KEY);

  @Override
  protected boolean addOwnerReference() {
    return false;
  }
}
