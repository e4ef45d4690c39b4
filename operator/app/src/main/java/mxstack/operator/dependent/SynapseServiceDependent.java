package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** Synapse's client/federation port and its metrics port. */
public class SynapseServiceDependent
    extends CRUDKubernetesDependentResource<Service, MatrixDeployment> {

  /** Creates the dependent. */
  public SynapseServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    var ports = Plans.of(context).target().ports();
    return ServiceDependents.service(
        md,
        ResourceNames.synapse(md),
        "synapse",
        List.of(
            ServiceDependents.port("http", ports.synapse()),
            ServiceDependents.port("metrics", ports.synapseMetrics())));
  }
}
