package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** Synapse's client/federation port and its metrics port. */
public class SynapseServiceDependent extends NamedDependent<Service> {

  /** Creates the dependent. */
  public SynapseServiceDependent() {
    super(Service.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.synapse(md);
  }

  @Override
  protected Service desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    var ports = Plans.of(context).target().ports();
    return ServiceDependents.service(
        md,
        objectName(md),
        "synapse",
        List.of(
            ServiceDependents.port("http", ports.synapse()),
            ServiceDependents.port("metrics", ports.synapseMetrics())));
  }
}
