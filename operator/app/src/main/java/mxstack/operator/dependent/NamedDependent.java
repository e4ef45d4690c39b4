package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import mxstack.operator.MatrixDeployment;

/**
 * A dependent whose object is named after its MatrixDeployment. JOSDK picks the object out of an
 * informer by that name alone; by default it would compute the whole desired object to learn the
 * name, on every reconcile and also when the dependent is being deleted (its plan then has nothing
 * to build it from, e.g. no MAS process in legacy mode).
 *
 * @param <R> the object's type
 */
public abstract class NamedDependent<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, MatrixDeployment> {

  /** A dependent of this type. */
  protected NamedDependent(Class<R> type) {
    super(type);
  }

  /** The object's name for this MatrixDeployment. */
  protected abstract String objectName(MatrixDeployment md);

  @Override
  protected ResourceID targetSecondaryResourceID(
      MatrixDeployment md, Context<MatrixDeployment> context) {
    return new ResourceID(objectName(md), md.getMetadata().getNamespace());
  }
}
