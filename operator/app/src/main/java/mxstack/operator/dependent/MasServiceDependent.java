package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** MAS's web port and its internal port (health and metrics). */
public class MasServiceDependent
    extends CRUDKubernetesDependentResource<Service, MatrixDeployment> {

  /** Creates the dependent. */
  public MasServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    var ports = Plans.of(context).target().ports();
    return ServiceDependents.service(
        md,
        ResourceNames.mas(md),
        "matrix-authentication-service",
        List.of(
            ServiceDependents.port("http", ports.masWeb()),
            ServiceDependents.port("internal", ports.masInternal())));
  }
}
