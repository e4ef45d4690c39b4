package mxstack.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** One PostgreSQL connection. Give host/port/name/user, or a url without a password. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "url",
  "host",
  "port",
  "name",
  "user",
  "password",
  "sslMode",
  "sslRootCert",
  "schema",
  "maxConnections"
})
public record DatabaseSpec(
    @JsonPropertyDescription(
            "postgresql://user@host:port/name?sslmode=... (no password; use password). Instead of"
                + " host, port, name, user and sslMode.")
        String url,
    @JsonPropertyDescription("Server host name or IP address.") String host,
    @JsonPropertyDescription("Server port (default 5432).") Integer port,
    @JsonPropertyDescription("Database name.") String name,
    @JsonPropertyDescription("Role to connect as.") String user,
    @JsonPropertyDescription("The role's password.") SecretRef password,
    @JsonPropertyDescription("disable, allow, prefer (default), require, verify-ca or verify-full.")
        SslMode sslMode,
    @JsonPropertyDescription("CA certificate to verify the server with (verify-ca, verify-full).")
        SecretRef sslRootCert,
    @JsonPropertyDescription(
            "Schema to keep the tables in (MAS only; lets MAS share a database with Synapse"
                + " without sharing tables).")
        String schema,
    @JsonPropertyDescription("Connection pool size (default 10).") Integer maxConnections) {}
