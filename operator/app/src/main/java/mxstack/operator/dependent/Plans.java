package mxstack.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;

/** Reads the plan the reconciler computed for this reconcile. */
final class Plans {

  private Plans() {}

  static OperatorPlan of(Context<MatrixDeployment> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(OperatorPlan.CONTEXT_KEY, OperatorPlan.class);
  }
}
