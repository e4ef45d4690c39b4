package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the SMTP connection is secured. */
public enum SmtpSecurity {
  @JsonProperty("starttls")
  STARTTLS,
  @JsonProperty("tls")
  TLS,
  @JsonProperty("none")
  NONE
}
