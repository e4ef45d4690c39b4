package mxstack.operator;

import java.util.LinkedHashMap;
import java.util.Map;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.validation.SpecDefaults;
import mxstack.core.validation.SpecInvalidException;

/**
 * The core's plan for one MatrixDeployment, with the Kubernetes target: computed once per reconcile
 * and read by every dependent.
 *
 * @param resource the custom resource
 * @param spec the spec with defaults applied
 * @param state the desired state
 * @param target the Kubernetes layout the plan was made for
 * @param synapseStopped whether Synapse is held at no replicas (while its accounts move to MAS)
 */
public record OperatorPlan(
    MatrixDeployment resource,
    MatrixDeploymentSpec spec,
    DesiredState state,
    Target target,
    boolean synapseStopped) {

  /** Key under which the plan is stored in the reconcile context. */
  public static final String CONTEXT_KEY = OperatorPlan.class.getName();

  /** Plans a resource as written; throws with every violation when its spec is invalid. */
  public static OperatorPlan of(MatrixDeployment resource) throws SpecInvalidException {
    return of(resource, resource.getSpec(), false);
  }

  /**
   * Plans a resource with the spec its state allows (see {@code EffectiveAuth}); throws with every
   * violation when that spec is invalid.
   */
  public static OperatorPlan of(
      MatrixDeployment resource, MatrixDeploymentSpec effective, boolean synapseStopped)
      throws SpecInvalidException {
    Target target = target(resource);
    MatrixDeploymentSpec spec = SpecDefaults.apply(effective);
    DesiredState state = Planner.plan(effective, SecretPaths.of(target), target);
    return new OperatorPlan(resource, spec, state, target, synapseStopped);
  }

  /** The Kubernetes layout of a resource's pods. */
  public static Target target(MatrixDeployment resource) {
    return Target.kubernetes(ResourceNames.synapse(resource), ResourceNames.mas(resource));
  }

  /** True when logins go through MAS. */
  public boolean masMode() {
    return state.process(Planner.MAS).isPresent();
  }

  /** ConfigMap data: every rendered file under a key derived from its path. */
  public Map<String, String> configData() {
    Map<String, String> data = new LinkedHashMap<>();
    state.files().forEach(f -> data.put(configKey(f.path()), f.content()));
    return data;
  }

  /** The ConfigMap key of a rendered file's path ('/' is not allowed in keys). */
  public static String configKey(String path) {
    return path.replace('/', '.');
  }
}
