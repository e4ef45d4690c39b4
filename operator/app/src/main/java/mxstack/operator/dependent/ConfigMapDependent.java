package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;
import mxstack.operator.ResourceNames;

/** The rendered, non-secret config files (secrets are mounted as files and referenced by path). */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class ConfigMapDependent extends NamedDependent<ConfigMap> {

  /** Creates the dependent. */
  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.config(md);
  }

  @Override
  protected ConfigMap desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    OperatorPlan plan = Plans.of(context);
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "config"))
        .endMetadata()
        .withData(plan.configData())
        .build();
  }
}
