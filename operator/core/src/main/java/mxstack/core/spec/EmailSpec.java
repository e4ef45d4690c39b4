package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An SMTP relay for Synapse notifications and MAS account mail. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmailSpec(
    @JsonPropertyDescription("SMTP server host name.") String smtpHost,
    @JsonPropertyDescription("SMTP server port (default 587).") Integer smtpPort,
    @JsonPropertyDescription("SMTP user name, if the server wants one.") String smtpUser,
    @JsonPropertyDescription("SMTP password.") SecretRef smtpPassword,
    @JsonPropertyDescription(
            "Transport security: starttls (default), tls (implicit TLS) or none (plain; only for"
                + " a relay on a trusted network).")
        SmtpSecurity security,
    @JsonPropertyDescription("Sender, e.g. 'Matrix <matrix@example.com>'.") String from) {}
