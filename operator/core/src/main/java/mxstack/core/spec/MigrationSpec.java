package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Moving an existing Synapse-auth install to MAS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationSpec(
    @JsonPropertyDescription(
            "none (default) or syn2mas: move the users Synapse knows into MAS, checked and backed"
                + " up first, then delegate logins to MAS. Runs once; an install stays in legacy"
                + " mode until it has completed.")
        MigrationStrategy strategy,
    @JsonPropertyDescription(
            "Go ahead although syn2mas check reports warnings (exit status 11), having read them"
                + " in the status and the log (default false: warnings stop the migration).")
        Boolean acceptWarnings) {}
