package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Separate PostgreSQL settings for Synapse and MAS: they must never share tables. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabasesSpec(
    @JsonPropertyDescription("Synapse's database (C collation required).") DatabaseSpec synapse,
    @JsonPropertyDescription(
            "MAS's database: another database, or the same one with its own schema.")
        DatabaseSpec mas) {}
