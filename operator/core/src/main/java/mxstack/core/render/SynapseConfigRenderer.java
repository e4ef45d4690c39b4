package mxstack.core.render;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.DerivedSecretFile;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.spec.DatabaseSpec;
import mxstack.core.spec.DatabaseUrl;
import mxstack.core.spec.EmailSpec;
import mxstack.core.spec.HomeserverSpec;
import mxstack.core.spec.SecretRef;
import mxstack.core.spec.SmtpSecurity;
import mxstack.core.spec.TurnSpec;
import mxstack.core.spec.UpstreamProviderSpec;
import mxstack.core.yaml.YamlTrees;

/** Renders Synapse's homeserver.yaml and log config from the spec. */
public final class SynapseConfigRenderer {

  /** Path of homeserver.yaml, relative to the config directory. */
  public static final String HOMESERVER_YAML = "synapse/homeserver.yaml";

  /** Path of the logging config, relative to the config directory. */
  public static final String LOG_YAML = "synapse/log.yaml";

  /** Derived secret: libpq password file for Synapse's database role. */
  public static final String PGPASS = "synapse-db.pgpass";

  /** Derived secret: the email section with the SMTP password, a second config file. */
  public static final String EMAIL_YAML = "synapse-email.yaml";

  /** Derived secret: password_config with the pepper of an adopted install (legacy mode). */
  public static final String PASSWORD_YAML = "synapse-password.yaml";

  /** Private and special-purpose ranges the URL previewer must never fetch. */
  static final List<String> BLOCKED_PREVIEW_RANGES =
      List.of(
          "127.0.0.0/8",
          "10.0.0.0/8",
          "172.16.0.0/12",
          "192.168.0.0/16",
          "100.64.0.0/10",
          "192.0.0.0/24",
          "169.254.0.0/16",
          "192.88.99.0/24",
          "198.18.0.0/15",
          "192.0.2.0/24",
          "198.51.100.0/24",
          "203.0.113.0/24",
          "224.0.0.0/4",
          "::1/128",
          "fe80::/10",
          "fc00::/7",
          "2001:db8::/32",
          "ff00::/8",
          "fec0::/10");

  /**
   * The rendered Synapse config.
   *
   * @param homeserverYaml homeserver.yaml text
   * @param logYaml the logging config text
   * @param extraConfigFiles further config files Synapse must load (absolute paths)
   * @param derived derived secret files Synapse reads
   * @param secretFiles every secret file Synapse reads
   */
  public record Rendering(
      String homeserverYaml,
      String logYaml,
      List<String> extraConfigFiles,
      List<DerivedSecretFile> derived,
      List<String> secretFiles) {}

  private final RenderContext ctx;
  private final List<DerivedSecretFile> derived = new ArrayList<>();
  private final List<String> secretFiles = new ArrayList<>();
  private final List<String> extraConfigFiles = new ArrayList<>();

  private SynapseConfigRenderer(RenderContext ctx) {
    this.ctx = ctx;
  }

  /** Renders Synapse's files for a validated, defaulted spec. */
  public static Rendering render(RenderContext ctx) {
    SynapseConfigRenderer renderer = new SynapseConfigRenderer(ctx);
    Map<String, Object> defaults = renderer.defaults();
    Map<String, Object> owned = renderer.owned();
    // Layering: defaults < admin additionalConfig < operator-owned keys.
    Map<String, Object> tree =
        new LinkedHashMap<>(
            YamlTrees.merge(
                YamlTrees.merge(defaults, ctx.spec().homeserver().additionalConfig()), owned));
    renderer.pepper(tree);
    String text =
        YamlTrees.dump(
            tree,
            "Synapse homeserver.yaml for "
                + ctx.spec().serverName()
                + ".\nGenerated from the MatrixDeployment spec; edits here are overwritten."
                + "\nChange spec.homeserver (or its additionalConfig) instead.");
    return new Rendering(
        text,
        renderer.logConfig(),
        List.copyOf(renderer.extraConfigFiles),
        List.copyOf(renderer.derived),
        List.copyOf(renderer.secretFiles));
  }

  /**
   * The dotted paths of every homeserver.yaml setting rendered from the spec for this context:
   * additionalConfig must not set any of them (the validator refuses them from {@link
   * ConfigKeyRules}; a test holds the two together).
   */
  public static List<String> ownedKeys(RenderContext ctx) {
    return YamlTrees.leafPaths(new SynapseConfigRenderer(ctx).owned());
  }

  /** Settings an admin may override through additionalConfig. */
  private Map<String, Object> defaults() {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("report_stats", false);
    tree.put("suppress_key_server_warning", true);
    tree.put("trusted_key_servers", List.of(map("server_name", "matrix.org")));
    tree.put("enable_metrics", ctx.target().metrics());
    if (!ctx.masMode()) {
      tree.put("password_config", map("enabled", true));
    }
    if (ctx.masMode()) {
      // QR-code login (MSC4108) needs MAS, so it is offered only with it.
      tree.put("experimental_features", map("msc4108_enabled", true));
    }
    return tree;
  }

  /** Settings derived from the spec and the target; these win over additionalConfig. */
  private Map<String, Object> owned() {
    HomeserverSpec h = ctx.spec().homeserver();
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("server_name", ctx.spec().serverName());
    tree.put("public_baseurl", ctx.synapsePublicUrl());
    tree.put("serve_server_wellknown", false);
    tree.put("listeners", listeners());
    tree.put("database", database());
    tree.put("log_config", ctx.config(LOG_YAML));
    tree.put("media_store_path", ctx.target().dataDir() + "/media_store");
    tree.put("max_upload_size", h.media().maxUploadSize());
    tree.put("url_preview_enabled", h.urlPreviews().enabled());
    if (h.urlPreviews().enabled()) {
      List<String> blocked = new ArrayList<>(BLOCKED_PREVIEW_RANGES);
      blocked.addAll(h.urlPreviews().extraBlockedIpRanges());
      tree.put("url_preview_ip_range_blacklist", blocked);
    }
    if (!h.federation().enabled()) {
      tree.put("federation_domain_whitelist", List.of());
    }
    tree.put("signing_key_path", secret(GeneratedSecrets.SYNAPSE_SIGNING_KEY.name()));
    tree.put("macaroon_secret_key_path", secret(GeneratedSecrets.SYNAPSE_MACAROON.name()));
    tree.put("form_secret_path", secret(GeneratedSecrets.SYNAPSE_FORM.name()));
    turn(tree, h.turn());
    email(h.email());
    if (ctx.masMode()) {
      tree.put(
          "matrix_authentication_service",
          map(
              "enabled", true,
              "endpoint", ctx.masInternalUrl(),
              "secret_path", secret(GeneratedSecrets.MAS_SYNAPSE_SHARED.name())));
      tree.put("password_config", map("enabled", false, "localdb_enabled", false));
    } else {
      tree.put(
          "registration_shared_secret_path", secret(GeneratedSecrets.SYNAPSE_REGISTRATION.name()));
      tree.put("enable_registration", h.registration().enabled());
      if (h.registration().enabled()) {
        tree.put("registration_requires_token", h.registration().requireToken());
      }
      List<Object> providers = new ArrayList<>();
      for (UpstreamProviderSpec p : ctx.spec().auth().upstreamProviders()) {
        providers.add(legacyOidcProvider(p));
      }
      if (!providers.isEmpty()) {
        tree.put("oidc_providers", providers);
      }
    }
    return tree;
  }

  private List<Object> listeners() {
    List<Object> resources = new ArrayList<>(List.of("client"));
    if (ctx.spec().homeserver().federation().enabled()) {
      resources.add("federation");
    }
    List<Object> listeners = new ArrayList<>();
    listeners.add(
        map(
            "port",
            ctx.target().ports().synapse(),
            "bind_addresses",
            List.of(ctx.target().bindAddress()),
            "type",
            "http",
            "tls",
            false,
            "x_forwarded",
            true,
            "resources",
            List.of(map("names", resources, "compress", false))));
    if (ctx.target().metrics()) {
      listeners.add(
          map(
              "port", ctx.target().ports().synapseMetrics(),
              "bind_addresses", List.of(ctx.target().bindAddress()),
              "type", "metrics"));
    }
    return listeners;
  }

  private Map<String, Object> database() {
    DatabaseSpec spec = ctx.spec().database().synapse();
    DatabaseUrl db = DatabaseUrl.of(spec);
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("user", db.user());
    args.put("dbname", db.name());
    args.put("host", db.host());
    args.put("port", db.port());
    args.put("sslmode", db.sslMode().wireName());
    if (spec.sslRootCert() != null) {
      String path = ctx.secrets().user(spec.sslRootCert());
      args.put("sslrootcert", path);
      secretFiles.add(path);
    }
    if (spec.password() != null) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("user", db.user());
      derived.add(
          new DerivedSecretFile(
              PGPASS,
              DerivedSecretFile.Format.PGPASS,
              fields,
              Map.of("password", spec.password())));
      String path = ctx.secrets().derived(PGPASS);
      args.put("passfile", path);
      secretFiles.add(path);
    }
    args.put("cp_min", 1);
    args.put("cp_max", spec.maxConnections());
    args.put("application_name", "synapse");
    return map("name", "psycopg2", "allow_unsafe_locale", false, "args", args);
  }

  private void turn(Map<String, Object> tree, TurnSpec turn) {
    if (turn == null) {
      return;
    }
    tree.put("turn_uris", turn.uris());
    String path = ctx.secrets().user(turn.sharedSecret());
    secretFiles.add(path);
    tree.put("turn_shared_secret_path", path);
    tree.put("turn_user_lifetime", turn.userLifetime());
    tree.put("turn_allow_guests", turn.allowGuests());
  }

  /**
   * Synapse cannot read its password pepper from a file either: with one (an adopted install, in
   * legacy mode), the whole password_config section goes into a derived secret file, since a second
   * config file replaces top-level sections rather than merging them.
   */
  @SuppressWarnings("unchecked")
  private void pepper(Map<String, Object> tree) {
    SecretRef pepper = ctx.spec().auth().passwordPepper();
    if (pepper == null || ctx.masMode()) {
      return;
    }
    Object section = tree.remove("password_config");
    Map<String, Object> passwordConfig =
        section instanceof Map ? new LinkedHashMap<>((Map<String, Object>) section) : map();
    passwordConfig.remove("pepper");
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("password_config", passwordConfig);
    derived.add(
        new DerivedSecretFile(
            PASSWORD_YAML,
            DerivedSecretFile.Format.YAML,
            fields,
            Map.of("password_config.pepper", pepper)));
    String path = ctx.secrets().derived(PASSWORD_YAML);
    extraConfigFiles.add(path);
    secretFiles.add(path);
  }

  /**
   * Synapse cannot read the SMTP password from a file, so the whole email section goes into a
   * derived secret file loaded as a second config file.
   */
  private void email(EmailSpec email) {
    if (email == null) {
      return;
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("smtp_host", email.smtpHost());
    section.put("smtp_port", email.smtpPort());
    if (email.smtpUser() != null) {
      section.put("smtp_user", email.smtpUser());
    }
    section.put("force_tls", email.security() == SmtpSecurity.TLS);
    section.put("require_transport_security", email.security() == SmtpSecurity.STARTTLS);
    section.put("enable_tls", email.security() != SmtpSecurity.NONE);
    section.put("notif_from", email.from());
    section.put("app_name", "Matrix");
    section.put("enable_notifs", true);
    section.put("notif_for_new_users", true);
    section.put("client_base_url", ctx.synapsePublicUrl());
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("email", section);
    Map<String, mxstack.core.spec.SecretRef> secrets =
        email.smtpPassword() == null ? Map.of() : Map.of("email.smtp_pass", email.smtpPassword());
    derived.add(new DerivedSecretFile(EMAIL_YAML, DerivedSecretFile.Format.YAML, fields, secrets));
    String path = ctx.secrets().derived(EMAIL_YAML);
    extraConfigFiles.add(path);
    secretFiles.add(path);
  }

  private Map<String, Object> legacyOidcProvider(UpstreamProviderSpec p) {
    Map<String, Object> entry = new LinkedHashMap<>();
    String idp = p.synapseIdpId();
    entry.put("idp_id", idp.equals("oidc") ? "oidc" : idp.substring("oidc-".length()));
    entry.put("idp_name", p.name());
    entry.put("issuer", p.issuer());
    entry.put("client_id", p.clientId());
    if (p.clientSecret() != null) {
      String path = ctx.secrets().user(p.clientSecret());
      secretFiles.add(path);
      entry.put("client_secret_path", path);
    }
    entry.put("client_auth_method", p.tokenEndpointAuthMethod().wireName());
    entry.put("scopes", p.scopes());
    if (p.fetchUserinfo()) {
      entry.put("user_profile_method", "userinfo_endpoint");
    }
    Map<String, Object> mapping = new LinkedHashMap<>();
    mapping.put("localpart_template", p.claims().localpart().template());
    mapping.put("display_name_template", p.claims().displayname().template());
    mapping.put("email_template", p.claims().email().template());
    entry.put("user_mapping_provider", map("config", mapping));
    return entry;
  }

  private String logConfig() {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("version", 1);
    tree.put(
        "formatters",
        map(
            "plain",
            map("format", "%(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s")));
    tree.put(
        "filters",
        map("context", map("()", "synapse.logging.context.LoggingContextFilter", "request", "")));
    tree.put(
        "handlers",
        map(
            "console",
            map(
                "class", "logging.StreamHandler",
                "formatter", "plain",
                "filters", List.of("context"),
                "stream", "ext://sys.stdout")));
    tree.put("loggers", map("synapse.storage.SQL", map("level", "INFO")));
    tree.put("root", map("level", "INFO", "handlers", List.of("console")));
    tree.put("disable_existing_loggers", false);
    return YamlTrees.dump(tree, "Synapse logging: to stdout, collected by the supervisor.");
  }

  private String secret(String name) {
    String path = ctx.secrets().generated(name);
    secretFiles.add(path);
    return path;
  }

  /** An insertion-ordered map from alternating keys and values. */
  static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
