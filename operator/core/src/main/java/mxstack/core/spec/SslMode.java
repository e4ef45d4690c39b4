package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** libpq sslmode values. */
public enum SslMode {
  @JsonProperty("disable")
  DISABLE,
  @JsonProperty("allow")
  ALLOW,
  @JsonProperty("prefer")
  PREFER,
  @JsonProperty("require")
  REQUIRE,
  @JsonProperty("verify-ca")
  VERIFY_CA,
  @JsonProperty("verify-full")
  VERIFY_FULL;

  /** The value libpq and MAS expect. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
