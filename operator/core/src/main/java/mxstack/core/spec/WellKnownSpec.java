package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Client and server discovery documents. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WellKnownSpec(
    @JsonPropertyDescription(
            "Serve /.well-known/matrix/client and /server from the router (default true). Put the"
                + " router behind the server name's host, or copy the documents there.")
        Boolean enabled,
    @JsonPropertyDescription(
            "host:port other servers use to reach this one (default: the public base URL's host"
                + " and port, 443 for https).")
        String federationEndpoint) {}
