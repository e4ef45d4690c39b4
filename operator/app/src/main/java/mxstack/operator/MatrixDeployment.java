package mxstack.operator;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import mxstack.core.spec.HomeserverSpec;
import mxstack.core.spec.MasSpec;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.UpstreamProviderSpec;

/** The MatrixDeployment custom resource; its spec is the core's model, not a copy of it. */
@Group(MatrixDeploymentDocument.GROUP)
@Version(MatrixDeploymentDocument.VERSION)
@ShortNames("mxd")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Server Name",
    jsonPath = ".spec.serverName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@SchemaSwap(
    originalType = HomeserverSpec.class,
    fieldName = "additionalConfig",
    targetType = FreeFormConfig.class)
@SchemaSwap(
    originalType = MasSpec.class,
    fieldName = "additionalConfig",
    targetType = FreeFormConfig.class)
@SchemaSwap(
    originalType = UpstreamProviderSpec.class,
    fieldName = "additionalConfig",
    targetType = FreeFormConfig.class)
@ValidationRule(
    value =
        "!has(oldSelf.spec) || !has(oldSelf.spec.serverName) || (has(self.spec) && has(self.spec.serverName) && self.spec.serverName == oldSelf.spec.serverName)",
    message = "spec.serverName is immutable: changing it would orphan every account")
public class MatrixDeployment extends CustomResource<MatrixDeploymentSpec, MatrixDeploymentStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;
}
