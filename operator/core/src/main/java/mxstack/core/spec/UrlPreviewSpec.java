package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Server-side URL previews. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UrlPreviewSpec(
    @JsonPropertyDescription("Generate link previews (default false).") Boolean enabled,
    @JsonPropertyDescription(
            "Extra IP ranges (CIDR) the previewer must never fetch, added to the private ranges"
                + " that are always blocked.")
        List<String> extraBlockedIpRanges) {}
