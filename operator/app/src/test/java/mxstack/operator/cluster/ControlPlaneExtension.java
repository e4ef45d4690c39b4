package mxstack.operator.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One control plane for the whole test run, with the install manifests applied as an admin applies
 * them ({@code kubectl apply --server-side -k deploy/}, before the controller manager starts, so
 * its garbage collector knows the CRD from the start). Started by the first test class that needs
 * it, stopped when the run ends. Without the binaries those classes are skipped, saying where they
 * were looked for and how to build them.
 */
public final class ControlPlaneExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ControlPlaneExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    Assumptions.assumeTrue(
        ControlPlane.binaries().isPresent(),
        "no Kubernetes control plane binaries at "
            + ControlPlane.expectedLocation()
            + ": run scripts/setup-control-plane.sh (it builds them once, ~12 min) or set"
            + " MXSTACK_CONTROL_PLANE_BIN to the directory it prints");
    controlPlane(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == ControlPlane.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return controlPlane(context);
  }

  private static ControlPlane controlPlane(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(ControlPlane.class, k -> installed(), ControlPlane.class);
  }

  private static ControlPlane installed() {
    Path bin = ControlPlane.binaries().orElseThrow();
    try {
      ControlPlane cp = ControlPlane.startApiServer(bin);
      try {
        cp.kubectl("apply", "--server-side", "-k", "deploy/");
        cp.admin()
            .resources(CustomResourceDefinition.class)
            .withName("matrixdeployments.mxstack.internal")
            .waitUntilCondition(
                crd ->
                    crd != null
                        && crd.getStatus() != null
                        && crd.getStatus().getConditions().stream()
                            .anyMatch(
                                c ->
                                    "Established".equals(c.getType())
                                        && "True".equals(c.getStatus())),
                60,
                TimeUnit.SECONDS);
        cp.startControllerManager();
        return cp;
      } catch (Exception | Error e) {
        cp.close();
        throw e;
      }
    } catch (Exception e) {
      throw new IllegalStateException("starting the control plane failed: " + e.getMessage(), e);
    }
  }
}
