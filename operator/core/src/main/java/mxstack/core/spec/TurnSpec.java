package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** TURN relay for VoIP, with a shared secret (coturn's use-auth-secret). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TurnSpec(
    @JsonPropertyDescription("TURN URIs, e.g. turn:turn.example.com:3478?transport=udp.")
        List<String> uris,
    @JsonPropertyDescription("The TURN server's shared secret.") SecretRef sharedSecret,
    @JsonPropertyDescription("Lifetime of TURN credentials, e.g. 1h (default 1h).")
        String userLifetime,
    @JsonPropertyDescription("Let guests use TURN (default false).") Boolean allowGuests) {}
