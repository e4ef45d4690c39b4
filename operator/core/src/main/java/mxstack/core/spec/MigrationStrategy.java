package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an install with Synapse-managed accounts reaches MAS. */
public enum MigrationStrategy {
  @JsonProperty("none")
  NONE,
  @JsonProperty("syn2mas")
  SYN2MAS
}
