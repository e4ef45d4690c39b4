package mxstack.operator;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.spec.MatrixDeploymentSpec;

/** The MatrixDeployment custom resource; its spec is the core's model, not a copy of it. */
@Group(MatrixDeploymentDocument.GROUP)
@Version(MatrixDeploymentDocument.VERSION)
@ShortNames("mxd")
public class MatrixDeployment extends CustomResource<MatrixDeploymentSpec, MatrixDeploymentStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;
}
