package mxstack.operator;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/**
 * The CRD schema of an additionalConfig map: any YAML the target program accepts, kept as is by the
 * API server (the operator validates the keys it must own).
 */
@PreserveUnknownFields
public final class FreeFormConfig {
  private FreeFormConfig() {}
}
