package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import mxstack.core.plan.DerivedSecretFile;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;
import mxstack.operator.UserSecrets;
import mxstack.standalone.apply.DerivedSecretWriter;

/**
 * Files assembled from the admin's Secrets for programs that cannot read a secret from a file of
 * their own (libpq password files, config fragments holding a password). Follows those Secrets.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class DerivedSecretDependent extends NamedDependent<Secret> {

  /** Creates the dependent. */
  public DerivedSecretDependent() {
    super(Secret.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.derivedSecrets(md);
  }

  @Override
  protected Secret desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    UserSecrets secrets = UserSecrets.from(context);
    Map<String, String> data = new TreeMap<>();
    for (DerivedSecretFile file : Plans.of(context).state().derivedSecrets()) {
      try {
        String content = DerivedSecretWriter.render(file, secrets::value);
        data.put(
            file.name(),
            Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new SecretBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "secrets"))
        .endMetadata()
        .withType("Opaque")
        .withData(data)
        .build();
  }
}
