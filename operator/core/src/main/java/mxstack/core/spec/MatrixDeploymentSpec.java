package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The desired state of one Matrix homeserver: the {@code spec} of a MatrixDeployment. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "serverName",
  "homeserver",
  "auth",
  "database",
  "wellKnown",
  "ingress",
  "migration"
})
public record MatrixDeploymentSpec(
    @JsonPropertyDescription(
            "The Matrix server name, the part after the colon in user IDs (@alice:example.com)."
                + " Immutable: changing it orphans every account.")
        String serverName,
    @JsonPropertyDescription("Synapse, the homeserver.") HomeserverSpec homeserver,
    @JsonPropertyDescription("How users log in: through MAS (default) or Synapse's own login.")
        AuthSpec auth,
    @JsonPropertyDescription("PostgreSQL connections for Synapse and MAS.") DatabasesSpec database,
    @JsonPropertyDescription("Serving /.well-known/matrix/client and /.well-known/matrix/server.")
        WellKnownSpec wellKnown,
    @JsonPropertyDescription("Exposure through a Kubernetes Ingress.") IngressSpec ingress,
    @JsonPropertyDescription("Moving an existing Synapse-auth install to MAS.")
        MigrationSpec migration) {}
