package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who handles logins. */
public enum AuthMode {
  @JsonProperty("mas")
  MAS,
  @JsonProperty("legacy")
  LEGACY
}
