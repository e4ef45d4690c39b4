package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** The subset of Kubernetes object metadata a MatrixDeployment document may carry. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ObjectMetaSpec(
    String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {}
