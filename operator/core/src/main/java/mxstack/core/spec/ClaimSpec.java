package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One claim import: a template and what MAS does with its value. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClaimSpec(
    @JsonPropertyDescription("Jinja template, e.g. '{{ user.preferred_username }}'.")
        String template,
    @JsonPropertyDescription("ignore, suggest, force or require.") ClaimAction action) {}
