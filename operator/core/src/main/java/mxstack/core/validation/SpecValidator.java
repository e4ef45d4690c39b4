package mxstack.core.validation;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import mxstack.core.render.ConfigKeyRules;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.ClaimAction;
import mxstack.core.spec.ClaimSpec;
import mxstack.core.spec.DatabaseSpec;
import mxstack.core.spec.DatabaseUrl;
import mxstack.core.spec.EmailSpec;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.spec.SecretRef;
import mxstack.core.spec.SslMode;
import mxstack.core.spec.TokenEndpointAuthMethod;
import mxstack.core.spec.TurnSpec;
import mxstack.core.spec.UpstreamProviderSpec;
import mxstack.core.yaml.YamlTrees;

/**
 * The semantic rules of a MatrixDeployment, applied to a document whose defaults are filled in.
 * Returns every violation; never throws on any input.
 */
public final class SpecValidator {

  private static final Pattern ULID = Pattern.compile("[0-7][0-9A-HJKMNP-TV-Z]{25}");
  private static final Pattern DNS_LABEL_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern HOSTNAME =
      Pattern.compile(
          "(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,9}[KMG]?");
  private static final Pattern K8S_QUANTITY =
      Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
  private static final Pattern DURATION = Pattern.compile("[1-9][0-9]{0,8}(ms|s|m|h|d|w|y)");
  private static final Pattern IDP_ID = Pattern.compile("oidc(-[A-Za-z0-9._~-]{1,245})?");
  private static final Pattern SECRET_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
  private static final Pattern SQL_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern RESERVED_SCHEMA =
      Pattern.compile("public|apalis|information_schema|pg_.*");
  private static final Pattern EMAIL_ADDRESS =
      Pattern.compile("([^<>]*<)?[^@<>\\s]+@[^@<>\\s]+\\.[^@<>\\s]+>?");
  private static final Pattern CIDR =
      Pattern.compile("((\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2})|([0-9a-fA-F:]+:[0-9a-fA-F:]*/\\d{1,3})");

  private final List<Violation> out = new ArrayList<>();

  private SpecValidator() {}

  /** Validates a document whose defaults were applied with {@link SpecDefaults#apply}. */
  public static List<Violation> validate(MatrixDeploymentDocument document) {
    SpecValidator v = new SpecValidator();
    try {
      v.document(document);
    } catch (RuntimeException e) {
      // A rule tripping over an odd value must not hide the others or crash the caller.
      v.add("(document)", "could not be checked completely: " + e);
    }
    return List.copyOf(v.out);
  }

  /** Validates a defaulted spec on its own (the Kubernetes adapter's entry point). */
  public static List<Violation> validateSpec(MatrixDeploymentSpec spec) {
    SpecValidator v = new SpecValidator();
    try {
      v.spec(spec);
    } catch (RuntimeException e) {
      v.add("spec", "could not be checked completely: " + e);
    }
    return List.copyOf(v.out);
  }

  private void document(MatrixDeploymentDocument d) {
    if (!MatrixDeploymentDocument.API_VERSION.equals(d.apiVersion())) {
      add("apiVersion", "must be " + MatrixDeploymentDocument.API_VERSION);
    }
    if (!MatrixDeploymentDocument.KIND.equals(d.kind())) {
      add("kind", "must be " + MatrixDeploymentDocument.KIND);
    }
    String name = d.metadata() == null ? null : d.metadata().name();
    if (name != null && (!DNS_LABEL_NAME.matcher(name).matches())) {
      add(
          "metadata.name",
          "must be a lowercase DNS label (a-z, 0-9, '-', at most 63 characters), not '"
              + name
              + "'");
    }
    spec(d.spec());
  }

  private void spec(MatrixDeploymentSpec s) {
    if (isBlank(s.serverName())) {
      add("spec.serverName", "is required: the domain in user IDs, e.g. example.com");
    } else if (!isHostAndOptionalPort(s.serverName())) {
      add(
          "spec.serverName",
          "must be a host name with an optional port, e.g. example.com or example.com:8448, not '"
              + s.serverName()
              + "'");
    }
    boolean mas = s.auth().mode() == AuthMode.MAS;
    if (s.ingress().tlsSecretName() != null
        && !SECRET_NAME.matcher(s.ingress().tlsSecretName()).matches()) {
      add("spec.ingress.tlsSecretName", "must be the name of a Secret (lowercase DNS name)");
    }
    if (s.ingress().className() != null
        && !SECRET_NAME.matcher(s.ingress().className()).matches()) {
      add("spec.ingress.className", "must be the name of an IngressClass (lowercase DNS name)");
    }
    // Moving to MAS needs MAS's settings and database before logins are delegated.
    boolean masConfigured = mas || s.migration().strategy() == MigrationStrategy.SYN2MAS;
    homeserver(s, mas);
    auth(s, masConfigured);
    databases(s, masConfigured);
    if (s.wellKnown().enabled() && s.wellKnown().federationEndpoint() != null) {
      String endpoint = s.wellKnown().federationEndpoint();
      int colon = endpoint.lastIndexOf(':');
      if (colon < 0 || !isHostAndOptionalPort(endpoint) || !isPort(endpoint.substring(colon + 1))) {
        add(
            "spec.wellKnown.federationEndpoint",
            "must be host:port with an explicit port, e.g. matrix.example.com:443");
      }
    }
  }

  private void homeserver(MatrixDeploymentSpec s, boolean mas) {
    var h = s.homeserver();
    httpsUrl("spec.homeserver.publicBaseUrl", h.publicBaseUrl(), true, true);
    if (!SIZE.matcher(h.media().maxUploadSize()).matches()) {
      add(
          "spec.homeserver.media.maxUploadSize",
          "must be a size such as 50M, 512K or 1G, not '" + h.media().maxUploadSize() + "'");
    }
    if (!K8S_QUANTITY.matcher(h.media().storageSize()).matches()) {
      add(
          "spec.homeserver.media.storageSize",
          "must be a Kubernetes quantity such as 10Gi, not '" + h.media().storageSize() + "'");
    }
    List<String> ranges = h.urlPreviews().extraBlockedIpRanges();
    for (int i = 0; i < ranges.size(); i++) {
      if (!CIDR.matcher(ranges.get(i)).matches()) {
        add(
            "spec.homeserver.urlPreviews.extraBlockedIpRanges[" + i + "]",
            "must be an IP range in CIDR form, e.g. 192.0.2.0/24");
      }
    }
    if (mas && h.registration().enabled()) {
      add(
          "spec.homeserver.registration.enabled",
          "Synapse registration cannot be on when logins go through MAS; use"
              + " spec.auth.mas.registration, or set spec.auth.mode to legacy");
    }
    turn(h.turn());
    email(h.email());
    resources("spec.homeserver.resources", h.resources());
    additionalConfig(
        "spec.homeserver.additionalConfig",
        h.additionalConfig(),
        ConfigKeyRules.SYNAPSE_OWNED,
        "is managed by the operator");
    if (mas) {
      additionalConfig(
          "spec.homeserver.additionalConfig",
          h.additionalConfig(),
          ConfigKeyRules.SYNAPSE_REFUSED_WITH_MAS,
          "cannot be set when logins are delegated to MAS (Synapse refuses to start)");
    } else {
      additionalConfig(
          "spec.homeserver.additionalConfig",
          h.additionalConfig(),
          ConfigKeyRules.SYNAPSE_OWNED_LEGACY,
          "is managed by the operator");
    }
  }

  private void turn(TurnSpec t) {
    if (t == null) {
      return;
    }
    if (t.uris().isEmpty()) {
      add("spec.homeserver.turn.uris", "must list at least one turn: or turns: URI");
    }
    for (int i = 0; i < t.uris().size(); i++) {
      String uri = t.uris().get(i);
      if (!(uri.startsWith("turn:") || uri.startsWith("turns:")) || uri.contains(" ")) {
        add(
            "spec.homeserver.turn.uris[" + i + "]",
            "must start with turn: or turns:, e.g. turn:turn.example.com:3478?transport=udp");
      }
    }
    if (t.sharedSecret() == null) {
      add("spec.homeserver.turn.sharedSecret", "is required when TURN is configured");
    } else {
      secretRef("spec.homeserver.turn.sharedSecret", t.sharedSecret());
    }
    if (!DURATION.matcher(t.userLifetime()).matches()) {
      add("spec.homeserver.turn.userLifetime", "must be a duration such as 1h, 30m or 86400s");
    }
  }

  private void email(EmailSpec e) {
    if (e == null) {
      return;
    }
    if (isBlank(e.smtpHost())) {
      add("spec.homeserver.email.smtpHost", "is required when email is configured");
    } else if (!isHost(e.smtpHost())) {
      add("spec.homeserver.email.smtpHost", "must be a host name or IP address");
    }
    port("spec.homeserver.email.smtpPort", e.smtpPort());
    if (isBlank(e.from())) {
      add("spec.homeserver.email.from", "is required, e.g. 'Matrix <matrix@example.com>'");
    } else if (!EMAIL_ADDRESS.matcher(e.from()).matches()) {
      add(
          "spec.homeserver.email.from",
          "must be an address, optionally with a name: 'Matrix <matrix@example.com>'");
    }
    if (e.smtpPassword() != null) {
      secretRef("spec.homeserver.email.smtpPassword", e.smtpPassword());
      if (isBlank(e.smtpUser())) {
        add("spec.homeserver.email.smtpUser", "is required when smtpPassword is set");
      }
    }
  }

  private void auth(MatrixDeploymentSpec s, boolean mas) {
    var m = s.auth().mas();
    if (mas) {
      httpsUrl("spec.auth.mas.publicBaseUrl", m.publicBaseUrl(), true, true);
      additionalConfig(
          "spec.auth.mas.additionalConfig",
          m.additionalConfig(),
          ConfigKeyRules.MAS_OWNED,
          "is managed by the operator");
      if (s.migration().strategy() == MigrationStrategy.SYN2MAS) {
        additionalConfig(
            "spec.auth.mas.additionalConfig",
            m.additionalConfig(),
            ConfigKeyRules.MAS_OWNED_SYN2MAS,
            "is managed by the operator");
      }
      if (!m.passwordLogin() && s.auth().upstreamProviders().isEmpty()) {
        add(
            "spec.auth.mas.passwordLogin",
            "is false and no upstream provider is configured: nobody could log in");
      }
      if (m.registration().passwordRegistration() && !m.passwordLogin()) {
        add(
            "spec.auth.mas.registration.passwordRegistration",
            "needs spec.auth.mas.passwordLogin: true");
      }
      if (m.registration().passwordRegistration()
          && m.registration().emailRequired()
          && s.homeserver().email() == null) {
        add(
            "spec.auth.mas.registration.emailRequired",
            "is true, but spec.homeserver.email is not configured, so no verification mail can be"
                + " sent");
      }
    } else if (m.publicBaseUrl() != null) {
      httpsUrl("spec.auth.mas.publicBaseUrl", m.publicBaseUrl(), false, true);
    }
    resources("spec.auth.mas.resources", m.resources());
    Map<String, Integer> ids = new HashMap<>();
    Map<String, Integer> idpIds = new HashMap<>();
    List<UpstreamProviderSpec> providers = s.auth().upstreamProviders();
    for (int i = 0; i < providers.size(); i++) {
      String path = "spec.auth.upstreamProviders[" + i + "]";
      UpstreamProviderSpec p = providers.get(i);
      provider(path, p, s.auth().mode() == AuthMode.MAS);
      if (p.id() != null) {
        Integer first = ids.putIfAbsent(p.id(), i);
        if (first != null) {
          add(
              path + ".id",
              "duplicates spec.auth.upstreamProviders[" + first + "].id; ids must be unique");
        }
      }
      if (p.synapseIdpId() != null) {
        Integer first = idpIds.putIfAbsent(p.synapseIdpId(), i);
        if (first != null) {
          add(
              path + ".synapseIdpId",
              "duplicates spec.auth.upstreamProviders[" + first + "].synapseIdpId");
        }
      }
    }
  }

  private void provider(String path, UpstreamProviderSpec p, boolean mas) {
    if (isBlank(p.id())) {
      add(path + ".id", "is required: a ULID such as 01JB5M8Z4T9X2Q3R4S5T6V7W8X");
    } else if (!ULID.matcher(p.id()).matches()) {
      add(
          path + ".id",
          "must be a ULID: 26 characters of 0-9 and A-Z without I, L, O and U, first character"
              + " 0-7, not '"
              + p.id()
              + "'");
    }
    httpsUrl(path + ".issuer", p.issuer(), true, false);
    if (isBlank(p.clientId())) {
      add(path + ".clientId", "is required");
    }
    if (p.tokenEndpointAuthMethod() == TokenEndpointAuthMethod.NONE) {
      if (p.clientSecret() != null) {
        add(path + ".clientSecret", "must not be set when tokenEndpointAuthMethod is none");
      }
    } else if (p.clientSecret() == null) {
      add(
          path + ".clientSecret",
          "is required for tokenEndpointAuthMethod "
              + p.tokenEndpointAuthMethod().wireName()
              + " (or set tokenEndpointAuthMethod: none for a public client)");
    } else {
      secretRef(path + ".clientSecret", p.clientSecret());
    }
    if (!p.scopes().contains("openid")) {
      add(path + ".scopes", "must include openid");
    }
    for (int i = 0; i < p.scopes().size(); i++) {
      if (!p.scopes().get(i).matches("[\\x21\\x23-\\x5B\\x5D-\\x7E]+")) {
        add(path + ".scopes[" + i + "]", "must be a single scope token without spaces or quotes");
      }
    }
    if (p.synapseIdpId() != null && !IDP_ID.matcher(p.synapseIdpId()).matches()) {
      add(
          path + ".synapseIdpId",
          "must be the auth_provider Synapse stored, 'oidc' or 'oidc-<idp_id>', e.g."
              + " oidc-cloudron");
    }
    if (!mas && p.synapseIdpId() == null) {
      add(
          path + ".synapseIdpId",
          "is required in legacy mode: it becomes Synapse's idp_id and links existing users");
    }
    ClaimSpec localpart = p.claims().localpart();
    if (localpart.action() == ClaimAction.IGNORE) {
      add(
          path + ".claims.localpart.action",
          "cannot be ignore: MAS needs a localpart (use suggest, force or require)");
    }
    claimTemplate(path + ".claims.localpart.template", localpart);
    claimTemplate(path + ".claims.displayname.template", p.claims().displayname());
    claimTemplate(path + ".claims.email.template", p.claims().email());
    additionalConfig(
        path + ".additionalConfig",
        p.additionalConfig(),
        ConfigKeyRules.MAS_PROVIDER_OWNED,
        "is set from the typed fields");
  }

  private void claimTemplate(String path, ClaimSpec claim) {
    if (isBlank(claim.template())) {
      add(path, "must not be empty");
    } else if (!claim.template().contains("{{")) {
      add(path, "must be a Jinja template using the claims, e.g. '{{ user.preferred_username }}'");
    }
  }

  private void databases(MatrixDeploymentSpec s, boolean mas) {
    DatabaseSpec synapse = s.database().synapse();
    DatabaseSpec masDb = s.database().mas();
    if (synapse == null) {
      add("spec.database.synapse", "is required: host, name, user and password of PostgreSQL");
    } else {
      database("spec.database.synapse", synapse);
      if (synapse.schema() != null) {
        add(
            "spec.database.synapse.schema",
            "is not supported for Synapse; Synapse uses the role's default schema");
      }
    }
    if (masDb == null) {
      if (mas) {
        add(
            "spec.database.mas",
            "is required in mas mode and for syn2mas: its own database, or Synapse's with a"
                + " separate schema");
      }
      return;
    }
    database("spec.database.mas", masDb);
    if (masDb.schema() != null && !SQL_IDENTIFIER.matcher(masDb.schema()).matches()) {
      add(
          "spec.database.mas.schema",
          "must be a lowercase SQL identifier (a-z, 0-9, _; at most 63 characters)");
    } else if (masDb.schema() != null && RESERVED_SCHEMA.matcher(masDb.schema()).matches()) {
      add(
          "spec.database.mas.schema",
          "must be a schema of MAS's own, not "
              + masDb.schema()
              + " (public is Synapse's, MAS's migrations create and drop apalis, pg_* and"
              + " information_schema belong to PostgreSQL); e.g. mas");
    }
    if (synapse != null && sameDatabase(synapse, masDb) && masDb.schema() == null) {
      add(
          "spec.database.mas",
          "points at Synapse's database; MAS must not share Synapse's tables (both have a 'users'"
              + " table): use another database or set spec.database.mas.schema");
    }
  }

  private void database(String path, DatabaseSpec d) {
    if (d.url() != null) {
      if (d.host() != null || d.port() != null || d.name() != null || d.user() != null) {
        add(path + ".url", "cannot be combined with host, port, name or user; use one form");
      }
      if (d.sslMode() != null) {
        add(path + ".sslMode", "cannot be combined with url; put ?sslmode= in the url");
      }
      DatabaseUrl parsed = DatabaseUrl.parse(d.url());
      if (parsed.error() != null) {
        add(path + ".url", parsed.error());
      }
    } else {
      if (isBlank(d.host())) {
        add(path + ".host", "is required (or give url)");
      } else if (!isHost(d.host())) {
        add(path + ".host", "must be a host name or IP address, not '" + d.host() + "'");
      }
      port(path + ".port", d.port());
      if (isBlank(d.name())) {
        add(path + ".name", "is required: the database name");
      }
      if (isBlank(d.user())) {
        add(path + ".user", "is required: the role to connect as");
      }
    }
    if (d.password() != null) {
      secretRef(path + ".password", d.password());
    }
    SslMode mode = d.url() != null ? DatabaseUrl.parse(d.url()).sslMode() : d.sslMode();
    if (d.sslRootCert() != null) {
      secretRef(path + ".sslRootCert", d.sslRootCert());
      if (mode != SslMode.VERIFY_CA && mode != SslMode.VERIFY_FULL) {
        add(path + ".sslRootCert", "is only used with sslMode verify-ca or verify-full");
      }
    }
    if (d.maxConnections() < 1 || d.maxConnections() > 1000) {
      add(path + ".maxConnections", "must be between 1 and 1000");
    }
  }

  private static boolean sameDatabase(DatabaseSpec a, DatabaseSpec b) {
    DatabaseUrl x = DatabaseUrl.of(a);
    DatabaseUrl y = DatabaseUrl.of(b);
    return x.host() != null
        && x.host().equalsIgnoreCase(y.host()) // host names are case-insensitive
        && Objects.equals(x.port(), y.port())
        && Objects.equals(x.name(), y.name());
  }

  private void secretRef(String path, SecretRef ref) {
    boolean file = ref.file() != null;
    boolean secret = ref.secretName() != null || ref.key() != null;
    if (file == secret) {
      add(path, "give either file (an absolute path) or secretName and key");
      return;
    }
    if (file && !ref.file().startsWith("/")) {
      add(path + ".file", "must be an absolute path");
    }
    if (file && (ref.file().contains("\n") || ref.file().contains("\0"))) {
      add(path + ".file", "must be a single-line path");
    }
    if (secret) {
      if (ref.secretName() == null || !SECRET_NAME.matcher(ref.secretName()).matches()) {
        add(path + ".secretName", "must be the name of a Secret (lowercase DNS name)");
      }
      if (ref.key() == null || !SECRET_KEY.matcher(ref.key()).matches()) {
        add(path + ".key", "must be a key of that Secret (letters, digits, '-', '_', '.')");
      }
    }
  }

  private void resources(String path, mxstack.core.spec.ResourcesSpec r) {
    if (r == null) {
      return;
    }
    quantities(path + ".requests", r.requests());
    quantities(path + ".limits", r.limits());
  }

  private void quantities(String path, Map<String, String> values) {
    if (values == null) {
      return;
    }
    values.forEach(
        (k, v) -> {
          if (!List.of("cpu", "memory", "ephemeral-storage").contains(k)) {
            add(path + "." + k, "is not a resource; use cpu, memory or ephemeral-storage");
          } else if (v == null || !K8S_QUANTITY.matcher(v).matches()) {
            add(path + "." + k, "must be a Kubernetes quantity such as 500m or 1Gi");
          }
        });
  }

  private void additionalConfig(
      String path, Map<String, Object> config, Map<String, String> forbidden, String reason) {
    forbidden.forEach(
        (key, advice) -> {
          if (YamlTrees.contains(config, key)) {
            add(path + "." + key, reason + "; " + advice);
          }
        });
  }

  private void httpsUrl(String path, String value, boolean required, boolean rootOnly) {
    if (isBlank(value)) {
      if (required) {
        add(path, "is required: an https URL");
      }
      return;
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      add(path, "is not a valid URL: " + e.getReason());
      return;
    }
    if (!"https".equals(uri.getScheme())) {
      add(path, "must be an https URL (clients refuse plain http for logins), not '" + value + "'");
      return;
    }
    if (uri.getHost() == null || !isHost(uri.getHost())) {
      add(path, "must name a host, e.g. https://matrix.example.com");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      add(path, "must not contain user info, a query or a fragment");
    }
    if (rootOnly
        && uri.getRawPath() != null
        && !uri.getRawPath().isEmpty()
        && !uri.getRawPath().equals("/")) {
      add(path, "must not have a path: it is served at the root of its host");
    }
  }

  private void port(String path, Integer port) {
    if (port != null && (port < 1 || port > 65535)) {
      add(path, "must be a port between 1 and 65535, not " + port);
    }
  }

  private static boolean isPort(String text) {
    try {
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  static boolean isHost(String host) {
    if (IPV4.matcher(host).matches()) {
      for (String part : host.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return host.substring(1, host.length() - 1).matches("[0-9a-fA-F:.]+");
    }
    return HOSTNAME.matcher(host).matches();
  }

  private static boolean isHostAndOptionalPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon > 0 && !value.endsWith("]")) {
      return isHost(value.substring(0, colon)) && isPort(value.substring(colon + 1));
    }
    return isHost(value);
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  private void add(String path, String message) {
    out.add(Violation.at(path, message));
  }
}
