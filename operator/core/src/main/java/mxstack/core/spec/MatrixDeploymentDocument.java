package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A whole MatrixDeployment YAML document, as an admin writes it in {@code matrix.yaml} or applies
 * it with kubectl.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record MatrixDeploymentDocument(
    String apiVersion, String kind, ObjectMetaSpec metadata, MatrixDeploymentSpec spec) {

  /** The API group of the MatrixDeployment kind. */
  public static final String GROUP = "mxstack.internal";

  /** The only served version. */
  public static final String VERSION = "v1alpha1";

  /** {@code group/version}. */
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** The kind name. */
  public static final String KIND = "MatrixDeployment";

  /** Returns a copy with another spec. */
  public MatrixDeploymentDocument withSpec(MatrixDeploymentSpec newSpec) {
    return new MatrixDeploymentDocument(apiVersion, kind, metadata, newSpec);
  }
}
