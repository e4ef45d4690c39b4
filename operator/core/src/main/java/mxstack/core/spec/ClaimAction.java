package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What MAS does with an imported claim. */
public enum ClaimAction {
  @JsonProperty("ignore")
  IGNORE,
  @JsonProperty("suggest")
  SUGGEST,
  @JsonProperty("force")
  FORCE,
  @JsonProperty("require")
  REQUIRE;

  /** The lowercase value MAS expects. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
