package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
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

  /**
   * The Prometheus operator's ServiceMonitor CRD is installed. Read from a watch on that one CRD
   * (its event source maps a change to every MatrixDeployment), so a CRD installed at any time
   * after the operator started is noticed at once, including by deployments that nothing else would
   * reconcile again. JOSDK's CRDPresentActivationCondition looks only during reconciles, and gives
   * up after ten looks.
   */
  public static final class ServiceMonitorCrdInstalled
      implements Condition<ServiceMonitor, MatrixDeployment> {

    /** The name of the event source that watches the CRD. */
    public static final String EVENT_SOURCE = "servicemonitor-crd";

    /** The CRD's name. */
    public static final String CRD = HasMetadata.getFullResourceName(ServiceMonitor.class);

    @Override
    @SuppressWarnings("unchecked")
    public boolean isMet(
        DependentResource<ServiceMonitor, MatrixDeployment> dependent,
        MatrixDeployment primary,
        Context<MatrixDeployment> context) {
      var crds =
          (InformerEventSource<CustomResourceDefinition, MatrixDeployment>)
              context
                  .eventSourceRetriever()
                  .getEventSourceFor(CustomResourceDefinition.class, EVENT_SOURCE);
      return crds.get(new ResourceID(CRD)).isPresent();
    }
  }
}
