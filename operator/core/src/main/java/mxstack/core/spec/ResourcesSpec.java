package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** Kubernetes resource requests and limits for one workload. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourcesSpec(
    @JsonPropertyDescription("Requests, e.g. {cpu: 250m, memory: 512Mi}.")
        Map<String, String> requests,
    @JsonPropertyDescription("Limits, e.g. {memory: 2Gi}.") Map<String, String> limits) {}
