package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Self-service account creation in MAS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MasRegistrationSpec(
    @JsonPropertyDescription("Allow registering with a password (default false).")
        Boolean passwordRegistration,
    @JsonPropertyDescription("Require an email address to register (default true).")
        Boolean emailRequired,
    @JsonPropertyDescription("Require a registration token to register (default false).")
        Boolean tokenRequired) {}
