package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Media repository limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaSpec(
    @JsonPropertyDescription("Largest upload accepted, e.g. 50M, 1G, 512K (default 50M).")
        String maxUploadSize,
    @JsonPropertyDescription(
            "Storage size for Synapse's media volume (Kubernetes only), e.g. 10Gi.")
        String storageSize) {}
