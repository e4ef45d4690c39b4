package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the client authenticates at the provider's token endpoint. */
public enum TokenEndpointAuthMethod {
  @JsonProperty("client_secret_basic")
  CLIENT_SECRET_BASIC("client_secret_basic"),
  @JsonProperty("client_secret_post")
  CLIENT_SECRET_POST("client_secret_post"),
  @JsonProperty("none")
  NONE("none");

  private final String wireName;

  TokenEndpointAuthMethod(String wireName) {
    this.wireName = wireName;
  }

  /** The value MAS and Synapse expect. */
  public String wireName() {
    return wireName;
  }
}
