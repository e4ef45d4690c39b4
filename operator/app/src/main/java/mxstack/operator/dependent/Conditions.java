package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import mxstack.operator.MatrixDeployment;

/** Reconcile preconditions of the optional dependents. */
public final class Conditions {

  private Conditions() {}

  /** MAS objects exist only when logins go through MAS. */
  public static final class MasMode implements Condition<Object, MatrixDeployment> {
    @Override
    public boolean isMet(
        DependentResource<Object, MatrixDeployment> dependent,
        MatrixDeployment primary,
        Context<MatrixDeployment> context) {
      return Plans.of(context).masMode();
    }
  }

  /** The derived secret exists only when the plan has derived files. */
  public static final class HasDerivedSecrets implements Condition<Object, MatrixDeployment> {
    @Override
    public boolean isMet(
        DependentResource<Object, MatrixDeployment> dependent,
        MatrixDeployment primary,
        Context<MatrixDeployment> context) {
      return !Plans.of(context).state().derivedSecrets().isEmpty();
    }
  }

  /** The Ingress exists unless spec.ingress.enabled is false. */
  public static final class IngressEnabled implements Condition<Ingress, MatrixDeployment> {
    @Override
    public boolean isMet(
        DependentResource<Ingress, MatrixDeployment> dependent,
        MatrixDeployment primary,
        Context<MatrixDeployment> context) {
      return Plans.of(context).spec().ingress().enabled();
    }
  }
}
