package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** The router's HTTP port, which the Ingress sends every public request to. */
public class RouterServiceDependent
    extends CRUDKubernetesDependentResource<Service, MatrixDeployment> {

  /** Creates the dependent. */
  public RouterServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    return ServiceDependents.service(
        md,
        ResourceNames.router(md),
        "router",
        List.of(ServiceDependents.port("http", Plans.of(context).target().ports().router())));
  }
}
