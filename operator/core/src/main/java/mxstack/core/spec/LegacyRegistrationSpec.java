package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Synapse's own open registration, for installs still on legacy auth. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LegacyRegistrationSpec(
    @JsonPropertyDescription("Allow anyone to register (default false).") Boolean enabled,
    @JsonPropertyDescription("Require a registration token (default true when enabled).")
        Boolean requireToken) {}
