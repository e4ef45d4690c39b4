package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Moving an existing Synapse-auth install to MAS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationSpec(
    @JsonPropertyDescription(
            "none (default) or syn2mas: move the users Synapse knows into MAS before logins are"
                + " delegated. Acted upon by the migration workflow; the renderer only records it.")
        MigrationStrategy strategy) {}
