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
import mxstack.operator.UserSecrets;

/** MAS: its pre-start steps (schema, config check, migrations) run as init containers. */
public class MasDeploymentDependent extends NamedDependent<Deployment> {

  /** Default image; spec.auth.mas.image overrides it. */
  public static final String IMAGE = "ghcr.io/element-hq/matrix-authentication-service:1.22.0";

  /** Creates the dependent. */
  public MasDeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.mas(md);
  }

  @Override
  protected Deployment desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    OperatorPlan plan = Plans.of(context);
    var mas = plan.spec().auth().mas();
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "matrix-authentication-service"))
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withNewSelector()
        .withMatchLabels(ResourceNames.selector(md, "matrix-authentication-service"))
        .endSelector()
        .withTemplate(
            PodTemplates.build(
                plan,
                new PodTemplates.Workload(
                    Planner.MAS,
                    "matrix-authentication-service",
                    mas.image() != null ? mas.image() : IMAGE,
                    65532,
                    mas.resources(),
                    Map.of("cpu", "50m", "memory", "128Mi"),
                    Map.of("memory", "512Mi"),
                    List.of()),
                UserSecrets.from(context).hashFor(plan, Planner.MAS)))
        .endSpec()
        .build();
  }
}
