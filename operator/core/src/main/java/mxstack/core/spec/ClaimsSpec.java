package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Which claims fill the Matrix account, as Jinja templates over the provider's claims. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClaimsSpec(
    @JsonPropertyDescription(
            "The Matrix localpart (default {{ user.preferred_username }}, required).")
        ClaimSpec localpart,
    @JsonPropertyDescription("The display name (default {{ user.name }}, suggested).")
        ClaimSpec displayname,
    @JsonPropertyDescription("The email address (default {{ user.email }}, suggested).")
        ClaimSpec email) {}
