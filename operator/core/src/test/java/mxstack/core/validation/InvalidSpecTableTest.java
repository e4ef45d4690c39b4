package mxstack.core.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentDocument;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One invalid spec per row: a valid base document with one small mutation, the exact field path
 * that must be reported, and a piece of the message that must explain it. Each mutation introduces
 * exactly one problem, so the reported paths must be exactly the expected one: a row also fails
 * when the validator reports something else besides.
 */
class InvalidSpecTableTest {

  /** A valid MAS-mode document using most sections; every row mutates it. */
  static final String BASE =
      """
      apiVersion: mxstack.internal/v1alpha1
      kind: MatrixDeployment
      metadata:
        name: example
      spec:
        serverName: example.com
        homeserver:
          publicBaseUrl: https://matrix.example.com
          media:
            maxUploadSize: 50M
          additionalConfig:
            report_stats: false
        auth:
          mode: mas
          mas:
            publicBaseUrl: https://auth.example.com
            passwordLogin: true
            additionalConfig:
              branding:
                service_name: Example
          upstreamProviders:
            - id: 01JB5M8Z4T9X2Q3R4S5T6V7W8X
              name: Example SSO
              issuer: https://sso.example.com
              clientId: matrix
              clientSecret:
                file: /etc/secrets/oidc-client-secret
              scopes: [openid, profile, email]
              synapseIdpId: oidc-example
              additionalConfig:
                pkce_method: auto
        database:
          synapse:
            host: db.example.com
            port: 5432
            name: synapse
            user: synapse
            sslMode: require
            password:
              file: /etc/secrets/synapse-db
          mas:
            host: db.example.com
            name: mas
            user: mas
            password:
              file: /etc/secrets/mas-db
      """;

  static final String P0 = "spec.auth.upstreamProviders[0]";
  static final String P1 = "spec.auth.upstreamProviders[1]";

  /** The lines of provider 0 after which other provider entries or keys are inserted. */
  static final String PROVIDER_TAIL = "        additionalConfig:\n          pkce_method: auto\n";

  static final String SYNAPSE_DB_CONNECTION =
      "      host: db.example.com\n"
          + "      port: 5432\n"
          + "      name: synapse\n"
          + "      user: synapse\n"
          + "      sslMode: require\n";

  static final String SYNAPSE_DB_BLOCK =
      "    synapse:\n"
          + SYNAPSE_DB_CONNECTION
          + "      password:\n"
          + "        file: /etc/secrets/synapse-db\n";

  static final String MAS_DB_BLOCK =
      "    mas:\n"
          + "      host: db.example.com\n"
          + "      name: mas\n"
          + "      user: mas\n"
          + "      password:\n"
          + "        file: /etc/secrets/mas-db\n";

  /** The base document with {@code from} (which must occur exactly once) replaced by {@code to}. */
  static String edit(String from, String to) {
    return edit(BASE, from, to);
  }

  static String edit(String text, String from, String to) {
    int at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new IllegalArgumentException("'" + from + "' must occur exactly once in the document");
    }
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  /** The base document with {@code lines} inserted right after the line {@code after}. */
  static String insertAfter(String after, String lines) {
    return edit(after, after + lines);
  }

  /** A second upstream provider with the given id and synapseIdpId. */
  static String withSecondProvider(String id, String synapseIdpId) {
    return insertAfter(
        PROVIDER_TAIL,
        "      - id: "
            + id
            + "\n        issuer: https://other.example.com\n        clientId: other\n"
            + "        clientSecret:\n          file: /etc/secrets/other\n"
            + "        synapseIdpId: "
            + synapseIdpId
            + "\n");
  }

  /** {@code text} with the upstream provider list emptied. */
  static String withoutProviders(String text) {
    int from = text.indexOf("    upstreamProviders:\n");
    int to = text.indexOf(PROVIDER_TAIL) + PROVIDER_TAIL.length();
    return text.substring(0, from) + "    upstreamProviders: []\n" + text.substring(to);
  }

  static String homeserverAdditionalConfig(String lines) {
    return insertAfter("      report_stats: false\n", lines);
  }

  static Arguments row(String name, String yaml, String path, String messagePart) {
    return Arguments.of(name, yaml, path, messagePart);
  }

  static Stream<Arguments> invalidSpecs() {
    return Stream.of(
        // URLs
        row(
            "homeserver publicBaseUrl is http",
            edit("https://matrix.example.com", "http://matrix.example.com"),
            "spec.homeserver.publicBaseUrl",
            "must be an https URL"),
        row(
            "homeserver publicBaseUrl has a path",
            edit("https://matrix.example.com", "https://matrix.example.com/matrix"),
            "spec.homeserver.publicBaseUrl",
            "must not have a path"),
        row(
            "MAS publicBaseUrl has a path",
            edit("https://auth.example.com", "https://auth.example.com/auth/"),
            "spec.auth.mas.publicBaseUrl",
            "must not have a path"),
        row(
            "homeserver publicBaseUrl has a query",
            edit("https://matrix.example.com", "https://matrix.example.com/?x=1"),
            "spec.homeserver.publicBaseUrl",
            "query"),
        // server name
        row(
            "missing serverName",
            edit("  serverName: example.com\n", ""),
            "spec.serverName",
            "is required"),
        row(
            "serverName with a space",
            edit("serverName: example.com", "serverName: \"exa mple.com\""),
            "spec.serverName",
            "must be a host name"),
        row(
            "serverName with an empty label",
            edit("serverName: example.com", "serverName: example..com"),
            "spec.serverName",
            "must be a host name"),
        row(
            "serverName with a port out of range",
            edit("serverName: example.com", "serverName: example.com:99999"),
            "spec.serverName",
            "optional port"),
        // provider ids
        row(
            "ULID too short",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "01JB5M8Z4T9X2Q3R4S5T6V7W8"),
            P0 + ".id",
            "must be a ULID"),
        row(
            "ULID too long",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "01JB5M8Z4T9X2Q3R4S5T6V7W8XY"),
            P0 + ".id",
            "26 characters"),
        row(
            "ULID with the letter I",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "01JB5M8Z4T9X2Q3R4S5T6V7W8I"),
            P0 + ".id",
            "without I, L, O and U"),
        row(
            "ULID with the letter L",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "01JB5M8Z4T9X2Q3R4S5T6V7W8L"),
            P0 + ".id",
            "must be a ULID"),
        row(
            "ULID with the letter O",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "01JB5M8Z4T9X2Q3R4S5T6V7WOX"),
            P0 + ".id",
            "must be a ULID"),
        row(
            "ULID with the letter U",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "01JB5M8Z4T9X2Q3R4S5U6V7W8X"),
            P0 + ".id",
            "must be a ULID"),
        row(
            "ULID starting with 8 (beyond 48 bits of time)",
            edit("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "81JB5M8Z4T9X2Q3R4S5T6V7W8X"),
            P0 + ".id",
            "first character 0-7"),
        row(
            "duplicate provider ids",
            withSecondProvider("01JB5M8Z4T9X2Q3R4S5T6V7W8X", "oidc-other"),
            P1 + ".id",
            "duplicates spec.auth.upstreamProviders[0].id"),
        row(
            "duplicate synapseIdpId",
            withSecondProvider("01JB5M8Z4T9X2Q3R4S5T6V7W8Y", "oidc-example"),
            P1 + ".synapseIdpId",
            "duplicates spec.auth.upstreamProviders[0].synapseIdpId"),
        // provider fields
        row(
            "provider issuer is http",
            edit("issuer: https://sso.example.com", "issuer: http://sso.example.com"),
            P0 + ".issuer",
            "must be an https URL"),
        row(
            "provider without clientId",
            edit("        clientId: matrix\n", ""),
            P0 + ".clientId",
            "is required"),
        row(
            "clientSecret missing for client_secret_basic",
            edit("        clientSecret:\n          file: /etc/secrets/oidc-client-secret\n", ""),
            P0 + ".clientSecret",
            "is required for tokenEndpointAuthMethod client_secret_basic"),
        row(
            "clientSecret given with tokenEndpointAuthMethod none",
            insertAfter("        clientId: matrix\n", "        tokenEndpointAuthMethod: none\n"),
            P0 + ".clientSecret",
            "must not be set when tokenEndpointAuthMethod is none"),
        row(
            "scopes without openid",
            edit("[openid, profile, email]", "[profile, email]"),
            P0 + ".scopes",
            "must include openid"),
        row(
            "localpart claim ignored",
            insertAfter(
                "        scopes: [openid, profile, email]\n",
                "        claims:\n          localpart:\n            action: ignore\n"),
            P0 + ".claims.localpart.action",
            "cannot be ignore"),
        // databases
        row(
            "missing database.synapse",
            edit(SYNAPSE_DB_BLOCK, ""),
            "spec.database.synapse",
            "is required"),
        row(
            "missing database.mas in mas mode",
            edit(MAS_DB_BLOCK, ""),
            "spec.database.mas",
            "is required in mas mode"),
        row(
            "MAS database is Synapse's without a schema",
            edit("      name: mas\n", "      name: synapse\n"),
            "spec.database.mas",
            "points at Synapse's database"),
        row(
            "MAS database is Synapse's, host spelt in capitals, given as a url",
            edit(
                edit(MAS_DB_BLOCK, ""),
                "  database:\n",
                "  database:\n    mas:\n      url: postgresql://mas@DB.Example.COM:5432/synapse\n"),
            "spec.database.mas",
            "points at Synapse's database"),
        row(
            "database url with a password",
            edit(
                SYNAPSE_DB_CONNECTION,
                "      url: postgresql://synapse:hunter2@db.example.com:5432/synapse\n"),
            "spec.database.synapse.url",
            "must not contain a password"),
        row(
            "database url combined with host",
            edit(
                SYNAPSE_DB_CONNECTION,
                "      host: db.example.com\n"
                    + "      url: postgresql://synapse@db.example.com:5432/synapse\n"),
            "spec.database.synapse.url",
            "cannot be combined with host"),
        row(
            "database url of another scheme",
            edit(SYNAPSE_DB_CONNECTION, "      url: mysql://synapse@db.example.com/synapse\n"),
            "spec.database.synapse.url",
            "must start with postgresql://"),
        row(
            "bad sslMode value",
            edit("sslMode: require", "sslMode: verify"),
            "spec.database.synapse.sslMode",
            "use one of disable, allow, prefer, require, verify-ca, verify-full"),
        row(
            "sslMode given as a list",
            edit("sslMode: require", "sslMode: [require]"),
            "spec.database.synapse.sslMode",
            "must be one of disable, allow, prefer, require, verify-ca, verify-full, not a list"),
        row(
            "database port 70000",
            edit("port: 5432", "port: 70000"),
            "spec.database.synapse.port",
            "must be a port between 1 and 65535, not 70000"),
        row(
            "database port beyond a 32-bit number",
            edit("port: 5432", "port: 99999999999"),
            "spec.database.synapse.port",
            "out of range"),
        row(
            "sslRootCert without verify-ca or verify-full",
            insertAfter(
                "      sslMode: require\n", "      sslRootCert:\n        file: /etc/ca.crt\n"),
            "spec.database.synapse.sslRootCert",
            "verify-ca or verify-full"),
        row(
            "MAS schema that is no SQL identifier",
            insertAfter("      name: mas\n", "      schema: Mas-Schema\n"),
            "spec.database.mas.schema",
            "lowercase SQL identifier"),
        row(
            "MAS schema that is Synapse's",
            insertAfter("      name: mas\n", "      schema: public\n"),
            "spec.database.mas.schema",
            "not public (public is Synapse's"),
        row(
            "MAS schema that MAS's migrations create and drop",
            insertAfter("      name: mas\n", "      schema: apalis\n"),
            "spec.database.mas.schema",
            "MAS's migrations create and drop apalis"),
        // wrong types
        row(
            "text where a mapping is expected",
            edit("    media:\n      maxUploadSize: 50M\n", "    media: big\n"),
            "spec.homeserver.media",
            "must be a mapping (key: value pairs), not the text 'big'"),
        row(
            "list where a string is expected",
            edit("serverName: example.com", "serverName: [example.com]"),
            "spec.serverName",
            "must be a string, not a list"),
        row(
            "number for clientId",
            edit("clientId: matrix", "clientId: 12345"),
            P0 + ".clientId",
            "must be a string, not the number '12345' (put it in quotes"),
        row(
            "text for a boolean",
            edit("passwordLogin: true", "passwordLogin: \"true\""),
            "spec.auth.mas.passwordLogin",
            "must be true or false, not the text 'true'"),
        row(
            "explicit !!bool tag on a non-boolean",
            edit("passwordLogin: true", "passwordLogin: !!bool maybe"),
            "spec.auth.mas.passwordLogin",
            "must be true or false"),
        row(
            "list where a list item must be text",
            edit("[openid, profile, email]", "[openid, [profile], email]"),
            P0 + ".scopes[1]",
            "must be a string, not a list"),
        // unknown fields
        row(
            "unknown field with a near miss",
            edit("serverName: example.com", "serverNmae: example.com"),
            "spec.serverNmae",
            "did you mean 'serverName'"),
        row(
            "unknown field deep inside",
            edit("passwordLogin: true", "passwordLogn: true"),
            "spec.auth.mas.passwordLogn",
            "did you mean 'passwordLogin'"),
        row(
            "unknown field in a list item",
            edit("clientId: matrix", "client_id: matrix"),
            P0 + ".client_id",
            "did you mean 'clientId'"),
        row("unknown top-level field", edit("spec:\n", "specs:\n"), "specs", "did you mean 'spec'"),
        // YAML level
        row(
            "YAML syntax error",
            edit("serverName: example.com", "serverName: example.com: 8448"),
            "(document)",
            "YAML syntax error: mapping values are not allowed here"),
        row(
            "undefined alias",
            edit("clientId: matrix", "clientId: *matrix"),
            "(document)",
            "found undefined alias matrix"),
        row(
            "duplicate key",
            insertAfter("  serverName: example.com\n", "  serverName: example.org\n"),
            "spec.serverName",
            "is given more than once (first at line 6)"),
        row(
            "duplicate key in additionalConfig",
            homeserverAdditionalConfig("      report_stats: true\n"),
            "spec.homeserver.additionalConfig.report_stats",
            "is given more than once"),
        row(
            "document beyond the size limit, mostly comment",
            BASE + "# " + "x".repeat(1_000_000) + "\n",
            "(document)",
            "is longer than 1000000 characters"),
        row("empty document", "", "(document)", "is empty"),
        row("document with only a comment", "# nothing yet\n", "(document)", "is empty"),
        row("document with only a start marker", "---\n", "(document)", "is empty"),
        row("document that is null", "~\n", "(document)", "is empty"),
        row("document that is a list", "- a\n- b\n", "(document)", "must be a mapping"),
        row(
            "recursive alias in additionalConfig",
            homeserverAdditionalConfig("      loop: &loop\n        self: *loop\n"),
            "spec.homeserver.additionalConfig.loop.self",
            "recursive structures are not allowed"),
        row(
            "alias bomb within the alias count",
            homeserverAdditionalConfig(leanAliasBomb(2_000)),
            "(document)",
            "once aliases (*name) are expanded"),
        row(
            "unsupported tag on a collection in additionalConfig",
            homeserverAdditionalConfig("      tags: !!set {a, b}\n"),
            "spec.homeserver.additionalConfig.tags",
            "unsupported YAML tag"),
        row(
            "explicit !!int tag on text in additionalConfig",
            homeserverAdditionalConfig("      limit: !!int twelve\n"),
            "spec.homeserver.additionalConfig.limit",
            "is tagged !!int"),
        row(
            "unpaired surrogate in additionalConfig text",
            homeserverAdditionalConfig("      motd: \"hello \\uD800\"\n"),
            "spec.homeserver.additionalConfig.motd",
            "unpaired surrogate"),
        row(
            "control character in a provider name",
            edit("name: Example SSO", "name: \"Example\\0SSO\""),
            P0 + ".name",
            "control character"),
        row(
            "control character in an additionalConfig key",
            homeserverAdditionalConfig("      \"bell\\a\": true\n"),
            "spec.homeserver.additionalConfig['bell\u0007']",
            "control character"),
        // additionalConfig keys Synapse refuses alongside MAS
        row(
            "MAS mode: enable_registration",
            homeserverAdditionalConfig("      enable_registration: true\n"),
            "spec.homeserver.additionalConfig.enable_registration",
            "MAS"),
        row(
            "MAS mode: oidc_providers",
            homeserverAdditionalConfig("      oidc_providers: []\n"),
            "spec.homeserver.additionalConfig.oidc_providers",
            "MAS"),
        row(
            "MAS mode: password_config.enabled",
            homeserverAdditionalConfig("      password_config:\n        enabled: true\n"),
            "spec.homeserver.additionalConfig.password_config.enabled",
            "MAS"),
        row(
            "MAS mode: session_lifetime",
            homeserverAdditionalConfig("      session_lifetime: 24h\n"),
            "spec.homeserver.additionalConfig.session_lifetime",
            "MAS"),
        // additionalConfig keys the operator owns
        row(
            "Synapse additionalConfig: database",
            homeserverAdditionalConfig("      database:\n        name: psycopg2\n"),
            "spec.homeserver.additionalConfig.database",
            "is managed by the operator"),
        row(
            "Synapse additionalConfig: server_name",
            homeserverAdditionalConfig("      server_name: other.example.com\n"),
            "spec.homeserver.additionalConfig.server_name",
            "is managed by the operator; set spec.serverName"),
        row(
            "Synapse additionalConfig: listeners",
            homeserverAdditionalConfig("      listeners: []\n"),
            "spec.homeserver.additionalConfig.listeners",
            "is managed by the operator"),
        row(
            "MAS additionalConfig: matrix",
            insertAfter(
                "          service_name: Example\n",
                "        matrix:\n          homeserver: other.example.com\n"),
            "spec.auth.mas.additionalConfig.matrix",
            "is managed by the operator"),
        row(
            "MAS additionalConfig: secrets",
            insertAfter(
                "          service_name: Example\n", "        secrets:\n          keys: []\n"),
            "spec.auth.mas.additionalConfig.secrets",
            "is managed by the operator"),
        row(
            "provider additionalConfig: client_secret",
            insertAfter("          pkce_method: auto\n", "          client_secret: hunter2\n"),
            P0 + ".additionalConfig.client_secret",
            "is set from the typed fields"),
        // auth modes
        row(
            "legacy mode provider without synapseIdpId",
            edit(edit("mode: mas", "mode: legacy"), "        synapseIdpId: oidc-example\n", ""),
            P0 + ".synapseIdpId",
            "is required in legacy mode"),
        row(
            "legacy registration in MAS mode",
            insertAfter(
                "    publicBaseUrl: https://matrix.example.com\n",
                "    registration:\n      enabled: true\n"),
            "spec.homeserver.registration.enabled",
            "cannot be on when logins go through MAS"),
        row(
            "no way to log in",
            withoutProviders(edit("passwordLogin: true", "passwordLogin: false")),
            "spec.auth.mas.passwordLogin",
            "nobody could log in"),
        // homeserver sections
        row(
            "turn without sharedSecret",
            insertAfter(
                "      maxUploadSize: 50M\n",
                "    turn:\n      uris: [\"turn:turn.example.com:3478?transport=udp\"]\n"),
            "spec.homeserver.turn.sharedSecret",
            "is required when TURN is configured"),
        row(
            "turn uri without turn: scheme",
            insertAfter(
                "      maxUploadSize: 50M\n",
                "    turn:\n      uris: [\"https://turn.example.com\"]\n"
                    + "      sharedSecret:\n        file: /etc/secrets/turn\n"),
            "spec.homeserver.turn.uris[0]",
            "must start with turn: or turns:"),
        row(
            "email without from",
            insertAfter(
                "      maxUploadSize: 50M\n", "    email:\n      smtpHost: mail.example.com\n"),
            "spec.homeserver.email.from",
            "is required"),
        row(
            "bad maxUploadSize",
            edit("maxUploadSize: 50M", "maxUploadSize: 50MB"),
            "spec.homeserver.media.maxUploadSize",
            "must be a size such as 50M"),
        row(
            "wellKnown federationEndpoint without a port",
            BASE + "  wellKnown:\n    federationEndpoint: matrix.example.com\n",
            "spec.wellKnown.federationEndpoint",
            "explicit port"),
        // secret references
        row(
            "secret ref with both file and secretName",
            insertAfter(
                "          file: /etc/secrets/oidc-client-secret\n",
                "          secretName: oidc\n"),
            P0 + ".clientSecret",
            "give either file (an absolute path) or secretName and key"),
        row(
            "relative secret file path",
            edit("file: /etc/secrets/synapse-db", "file: etc/secrets/synapse-db"),
            "spec.database.synapse.password.file",
            "must be an absolute path"),
        row(
            "secretName that is no Secret name",
            edit(
                "        file: /etc/secrets/mas-db\n",
                "        secretName: Mas_DB\n        key: password\n"),
            "spec.database.mas.password.secretName",
            "must be the name of a Secret"),
        // the document itself
        row(
            "wrong apiVersion",
            edit("mxstack.internal/v1alpha1", "mxstack.internal/v1"),
            "apiVersion",
            "must be mxstack.internal/v1alpha1"),
        row(
            "wrong kind",
            edit("kind: MatrixDeployment", "kind: Deployment"),
            "kind",
            "must be MatrixDeployment"),
        row(
            "metadata.name that is no DNS label",
            edit("name: example\n", "name: Example_Deployment\n"),
            "metadata.name",
            "lowercase DNS label"));
  }

  /**
   * Lines for a mapping at indent 6 that expand {@code width} list items 3^6 times through 18
   * aliases, below SnakeYAML's limit of 20 collection aliases.
   */
  static String leanAliasBomb(int width) {
    StringBuilder out = new StringBuilder("      lol0: &l0 [");
    out.append("lol, ".repeat(width - 1)).append("lol]\n");
    for (int level = 1; level <= 6; level++) {
      String previous = "*l" + (level - 1);
      out.append("      lol")
          .append(level)
          .append(": &l")
          .append(level)
          .append(" [")
          .append(previous)
          .append(", ")
          .append(previous)
          .append(", ")
          .append(previous)
          .append("]\n");
    }
    return out.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void rejectsWithTheExactPath(String name, String yaml, String path, String messagePart) {
    SpecInvalidException e =
        assertThrows(
            SpecInvalidException.class,
            () -> SpecReader.load(yaml),
            () -> name + ": expected a violation at " + path + " for\n" + yaml);
    List<Violation> violations = e.violations();
    List<String> paths = violations.stream().map(Violation::path).toList();
    assertEquals(
        List.of(path),
        paths,
        () -> name + ": expected exactly one violation, at " + path + ", got " + violations);
    Violation violation = violations.get(0);
    assertTrue(
        violation.message().contains(messagePart),
        () ->
            name + ": message of " + path + " should contain '" + messagePart + "': " + violation);
  }

  @Test
  void baseDocumentIsValidAndPlans() throws Exception {
    MatrixDeploymentDocument document = SpecReader.load(BASE);
    Target target = Target.cloudron();
    Planner.plan(document.spec(), SecretPaths.of(target), target);
  }

  @Test
  void syntaxErrorReportsTheRealPosition() {
    String bad = "  serverName: example.com: 8448";
    String yaml = edit("  serverName: example.com", bad);
    // The second ':' on the serverName line is where a plain scalar may not go on.
    assertPosition(yaml, lineOf(yaml, bad), bad.indexOf(": 8448") + 1);
  }

  @Test
  void tabIndentationReportsTheRealPosition() {
    String bad = "\tpublicBaseUrl: https://matrix.example.com";
    String yaml = edit("    publicBaseUrl: https://matrix.example.com", bad);
    assertPosition(yaml, lineOf(yaml, bad), 1);
  }

  @Test
  void undefinedAliasReportsTheRealPosition() {
    String bad = "        clientId: *matrix";
    String yaml = edit("        clientId: matrix", bad);
    assertPosition(yaml, lineOf(yaml, bad), bad.indexOf('*') + 1);
  }

  @Test
  void shapeErrorsReportTheRealPosition() {
    String bad = "        clientId: 12345";
    String yaml = edit("        clientId: matrix", bad);
    SpecInvalidException e = assertThrows(SpecInvalidException.class, () -> SpecReader.load(yaml));
    Violation v = e.violations().get(0);
    assertEquals(P0 + ".clientId", v.path());
    assertEquals(lineOf(yaml, bad), v.line(), v::toString);
    assertEquals(bad.indexOf("12345") + 1, v.column(), v::toString);
  }

  private static void assertPosition(String yaml, int line, int column) {
    SpecInvalidException e = assertThrows(SpecInvalidException.class, () -> SpecReader.load(yaml));
    assertEquals(1, e.violations().size(), e::getMessage);
    Violation v = e.violations().get(0);
    assertEquals("(document)", v.path());
    assertTrue(v.message().startsWith("YAML syntax error"), v::toString);
    assertTrue(v.line() > 0 && v.column() > 0, v::toString);
    assertEquals(line, v.line(), () -> "line of " + v);
    assertEquals(column, v.column(), () -> "column of " + v);
  }

  /** 1-based number of the line that is exactly {@code line}. */
  private static int lineOf(String yaml, String line) {
    List<String> lines = yaml.lines().toList();
    int index = lines.indexOf(line);
    if (index < 0 || lines.lastIndexOf(line) != index) {
      fail("line '" + line + "' must occur exactly once");
    }
    return index + 1;
  }

  @Test
  void reportsEverySemanticProblemAtOnce() {
    String yaml =
        edit(
            edit(
                edit(
                    edit(
                        edit("https://matrix.example.com", "http://matrix.example.com"),
                        "01JB5M8Z4T9X2Q3R4S5T6V7W8X",
                        "01JB5M8Z4T9X2Q3R4S5T6V7W8I"),
                    "        clientId: matrix\n",
                    ""),
                "port: 5432",
                "port: 70000"),
            "maxUploadSize: 50M",
            "maxUploadSize: lots");
    assertPaths(
        yaml,
        Set.of(
            "spec.homeserver.publicBaseUrl",
            P0 + ".id",
            P0 + ".clientId",
            "spec.database.synapse.port",
            "spec.homeserver.media.maxUploadSize"));
  }

  @Test
  void reportsEveryShapeProblemAtOnce() {
    String yaml =
        edit(
            edit(
                edit(
                    edit(
                        edit("serverName: example.com", "serverNmae: example.com"),
                        "passwordLogin: true",
                        "passwordLogin: sure"),
                    "sslMode: require",
                    "sslMode: verify"),
                "clientId: matrix",
                "clientId: {id: matrix}"),
            "      report_stats: false\n",
            "      report_stats: false\n      report_stats: true\n");
    assertPaths(
        yaml,
        Set.of(
            "spec.serverNmae",
            "spec.auth.mas.passwordLogin",
            "spec.database.synapse.sslMode",
            P0 + ".clientId",
            "spec.homeserver.additionalConfig.report_stats"));
  }

  private static void assertPaths(String yaml, Set<String> expected) {
    SpecInvalidException e = assertThrows(SpecInvalidException.class, () -> SpecReader.load(yaml));
    Set<String> actual =
        e.violations().stream().map(Violation::path).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(expected), actual, e::getMessage);
    assertEquals(expected.size(), e.violations().size(), e::getMessage);
  }

  @TestFactory
  Stream<DynamicTest> everyGoldenSpecLoadsWithoutViolations() throws IOException {
    List<Path> specs;
    try (Stream<Path> dirs = Files.list(Path.of("src/test/resources/golden"))) {
      specs = dirs.map(d -> d.resolve("spec.yaml")).filter(Files::isRegularFile).sorted().toList();
    }
    assertTrue(specs.size() >= 5, "expected at least 5 golden specs, found " + specs);
    return specs.stream()
        .map(
            spec ->
                DynamicTest.dynamicTest(
                    spec.getParent().getFileName().toString(),
                    () -> {
                      String text = Files.readString(spec, StandardCharsets.UTF_8);
                      try {
                        MatrixDeploymentDocument document = SpecReader.load(text);
                        assertEquals(
                            List.of(), SpecValidator.validate(document), "validating again");
                      } catch (SpecInvalidException e) {
                        fail(spec + " must be valid: " + e.getMessage());
                      }
                    }));
  }
}
