package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Whether this server talks to other Matrix servers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FederationSpec(
    @JsonPropertyDescription("Federate with other servers (default true).") Boolean enabled) {}
