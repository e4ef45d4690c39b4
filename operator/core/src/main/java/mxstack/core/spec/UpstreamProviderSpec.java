package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/** An upstream OpenID Connect identity provider. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "id",
  "name",
  "issuer",
  "clientId",
  "clientSecret",
  "tokenEndpointAuthMethod",
  "scopes",
  "fetchUserinfo",
  "claims",
  "synapseIdpId",
  "additionalConfig"
})
public record UpstreamProviderSpec(
    @JsonPropertyDescription(
            "Stable ULID (26 characters of Crockford base32). Part of the callback URL"
                + " <mas>/upstream/callback/<id>: never change it.")
        String id,
    @JsonPropertyDescription("Name shown on the login button.") String name,
    @JsonPropertyDescription("The provider's https issuer URL (OIDC discovery is used).")
        String issuer,
    @JsonPropertyDescription("OAuth client id registered at the provider.") String clientId,
    @JsonPropertyDescription("OAuth client secret.") SecretRef clientSecret,
    @JsonPropertyDescription(
            "client_secret_basic (default), client_secret_post or none (public client).")
        TokenEndpointAuthMethod tokenEndpointAuthMethod,
    @JsonPropertyDescription(
            "Scopes to request; must include openid (default openid profile email).")
        List<String> scopes,
    @JsonPropertyDescription(
            "Also call the userinfo endpoint; some providers put preferred_username only there"
                + " (default false).")
        Boolean fetchUserinfo,
    @JsonPropertyDescription("How claims become the Matrix account.") ClaimsSpec claims,
    @JsonPropertyDescription(
            "The auth_provider Synapse recorded for this provider's users (e.g. oidc-cloudron)."
                + " Needed to migrate existing links to MAS, and used as Synapse's idp_id in legacy"
                + " mode.")
        String synapseIdpId,
    @JsonPropertyDescription(
            "Extra settings merged into this provider's MAS upstream_oauth2 entry (snake_case MAS"
                + " keys).")
        Map<String, Object> additionalConfig) {}
