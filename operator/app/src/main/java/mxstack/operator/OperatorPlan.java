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
 */
public record OperatorPlan(
    MatrixDeployment resource, MatrixDeploymentSpec spec, DesiredState state, Target target) {

  /** Key under which the plan is stored in the reconcile context. */
  public static final String CONTEXT_KEY = OperatorPlan.class.getName();

  /** Plans a resource; throws with every violation when its spec is invalid. */
  public static OperatorPlan of(MatrixDeployment resource) throws SpecInvalidException {
    Target target = Target.kubernetes(ResourceNames.synapse(resource), ResourceNames.mas(resource));
    MatrixDeploymentSpec spec = SpecDefaults.apply(resource.getSpec());
    DesiredState state = Planner.plan(resource.getSpec(), SecretPaths.of(target), target);
    return new OperatorPlan(resource, spec, state, target);
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
