package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/** The Matrix Authentication Service. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "publicBaseUrl",
  "passwordLogin",
  "registration",
  "image",
  "resources",
  "additionalConfig"
})
public record MasSpec(
    @JsonPropertyDescription(
            "Public https URL of MAS, e.g. https://auth.example.com/ or"
                + " https://matrix.example.com/ when MAS shares the homeserver's host.")
        String publicBaseUrl,
    @JsonPropertyDescription("Let users log in with a password stored in MAS (default true).")
        Boolean passwordLogin,
    @JsonPropertyDescription("Self-service registration in MAS.") MasRegistrationSpec registration,
    @JsonPropertyDescription("Container image for MAS (Kubernetes only).") String image,
    @JsonPropertyDescription("Resource requests and limits for MAS (Kubernetes only).")
        ResourcesSpec resources,
    @JsonPropertyDescription(
            "Extra MAS config.yaml settings, deep-merged over the defaults. Keys the operator owns"
                + " (matrix, secrets, database, http) are rejected.")
        Map<String, Object> additionalConfig) {}
