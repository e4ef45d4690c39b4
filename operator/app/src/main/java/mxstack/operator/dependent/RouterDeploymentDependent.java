package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.Planner;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;
import mxstack.operator.PodTemplates;
import mxstack.operator.ResourceNames;

/** The router: nginx on the same rendered config the Cloudron container runs. */
public class RouterDeploymentDependent extends NamedDependent<Deployment> {

  /** nginx that runs as an unprivileged user. */
  public static final String IMAGE = "docker.io/nginxinc/nginx-unprivileged:1.27";

  /** Creates the dependent. */
  public RouterDeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.router(md);
  }

  @Override
  protected Deployment desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    OperatorPlan plan = Plans.of(context);
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "router"))
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withNewSelector()
        .withMatchLabels(ResourceNames.selector(md, "router"))
        .endSelector()
        .withTemplate(
            PodTemplates.build(
                plan,
                new PodTemplates.Workload(
                    Planner.ROUTER,
                    "router",
                    IMAGE,
                    101,
                    null,
                    Map.of("cpu", "10m", "memory", "16Mi"),
                    Map.of("memory", "64Mi"),
                    List.of()),
                ""))
        .endSpec()
        .build();
  }
}
