package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Where a secret value lives: a file (Cloudron, local runs) or a key of a Kubernetes Secret. Never
 * the value itself.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretRef(
    @JsonPropertyDescription("Absolute path of a file holding the value (Cloudron, local runs).")
        String file,
    @JsonPropertyDescription("Name of a Secret in the MatrixDeployment's namespace (Kubernetes).")
        String secretName,
    @JsonPropertyDescription("Key inside that Secret.") String key) {

  /** A stable identifier for this reference, used to name derived files and mounts. */
  public String describe() {
    return file != null ? "file " + file : "secret " + secretName + "/" + key;
  }
}
