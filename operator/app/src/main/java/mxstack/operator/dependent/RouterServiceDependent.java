package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** The router's HTTP port, which the Ingress sends every public request to. */
public class RouterServiceDependent extends NamedDependent<Service> {

  /** Creates the dependent. */
  public RouterServiceDependent() {
    super(Service.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.router(md);
  }

  @Override
  protected Service desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    return ServiceDependents.service(
        md,
        objectName(md),
        "router",
        List.of(ServiceDependents.port("http", Plans.of(context).target().ports().router())));
  }
}
