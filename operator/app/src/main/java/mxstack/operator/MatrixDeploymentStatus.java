package mxstack.operator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Observed state of a MatrixDeployment. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MatrixDeploymentStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  /** The generation this status describes. */
  public Long getObservedGeneration() {
    return observedGeneration;
  }

  /** Sets the generation this status describes. */
  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }
}
