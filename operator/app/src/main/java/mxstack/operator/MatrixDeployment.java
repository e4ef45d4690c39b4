package mxstack.operator;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
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
    message = "serverName is immutable: changing it would orphan every account",
    // reported at the field, not at the resource's root where the rule sits
    fieldPath = ".spec.serverName",
    reason = "FieldValueForbidden")
public class MatrixDeployment extends CustomResource<MatrixDeploymentSpec, MatrixDeploymentStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;

  /** The spec, described here because the core's record cannot carry it (kubectl explain). */
  @Override
  @JsonPropertyDescription(
      "A Matrix homeserver: Synapse, its logins (through the Matrix Authentication Service, or"
          + " Synapse's own), its databases, how it is reached and its settings. The same"
          + " document configures the Cloudron package; every field is described in"
          + " docs/spec.md.")
  public MatrixDeploymentSpec getSpec() {
    return super.getSpec();
  }
}
