package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** How the deployment is exposed on Kubernetes (ignored on Cloudron, whose proxy does it). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IngressSpec(
    @JsonPropertyDescription("Create an Ingress for the public hosts (default true).")
        Boolean enabled,
    @JsonPropertyDescription("IngressClass to use; the cluster default when empty.")
        String className,
    @JsonPropertyDescription(
            "Secret holding the TLS certificate for the hosts (e.g. made by cert-manager); no TLS"
                + " section when empty.")
        String tlsSecretName,
    @JsonPropertyDescription("Annotations for the Ingress, e.g. cert-manager.io/cluster-issuer.")
        Map<String, String> annotations) {}
