package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** How users authenticate. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuthSpec(
    @JsonPropertyDescription(
            "mas (default): logins are delegated to the Matrix Authentication Service. legacy:"
                + " Synapse's own login, only for installs not yet migrated.")
        AuthMode mode,
    @JsonPropertyDescription("The Matrix Authentication Service.") MasSpec mas,
    @JsonPropertyDescription(
            "Upstream OpenID Connect providers users sign in with. Rendered into MAS in mas mode"
                + " and into Synapse's oidc_providers in legacy mode.")
        List<UpstreamProviderSpec> upstreamProviders,
    @JsonPropertyDescription(
            "The pepper of an existing install's Synapse (password_config.pepper), as a secret"
                + " reference: Synapse keeps using it in legacy mode, and MAS checks the passwords"
                + " moved by syn2mas with it. Never change it once set.")
        SecretRef passwordPepper) {}
