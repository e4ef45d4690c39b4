package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** MAS's web port and its internal port (health and metrics). */
public class MasServiceDependent extends NamedDependent<Service> {

  /** Creates the dependent. */
  public MasServiceDependent() {
    super(Service.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.mas(md);
  }

  @Override
  protected Service desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    var ports = Plans.of(context).target().ports();
    return ServiceDependents.service(
        md,
        objectName(md),
        "matrix-authentication-service",
        List.of(
            ServiceDependents.port("http", ports.masWeb()),
            ServiceDependents.port("internal", ports.masInternal())));
  }
}
