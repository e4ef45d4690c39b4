package mxstack.core.render;

import static mxstack.core.render.SynapseConfigRenderer.map;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.DerivedSecretFile;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.TargetKind;
import mxstack.core.spec.DatabaseSpec;
import mxstack.core.spec.DatabaseUrl;
import mxstack.core.spec.EmailSpec;
import mxstack.core.spec.MasSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.spec.SecretRef;
import mxstack.core.spec.TokenEndpointAuthMethod;
import mxstack.core.spec.UpstreamProviderSpec;
import mxstack.core.yaml.YamlTrees;

/** Renders the Matrix Authentication Service's config.yaml from the spec. */
public final class MasConfigRenderer {

  /** Path of MAS's config, relative to the config directory. */
  public static final String CONFIG_YAML = "mas/config.yaml";

  /**
   * Derived secret: MAS's database section as a second config file. Used when MAS keeps its tables
   * in a schema, which only a connection URI can select, and a URI cannot take a password file.
   */
  public static final String DATABASE_YAML = "mas-database.yaml";

  /** Derived secret: libpq password file used to create MAS's schema before MAS starts. */
  public static final String SCHEMA_PGPASS = "mas-db.pgpass";

  /**
   * The rendered MAS config.
   *
   * @param configYaml config.yaml text
   * @param extraConfigFiles further config files MAS must load (absolute paths)
   * @param derived derived secret files MAS reads
   * @param secretFiles every secret file MAS reads
   */
  public record Rendering(
      String configYaml,
      List<String> extraConfigFiles,
      List<DerivedSecretFile> derived,
      List<String> secretFiles) {}

  private final RenderContext ctx;
  private final List<DerivedSecretFile> derived = new ArrayList<>();
  private final List<String> secretFiles = new ArrayList<>();
  private final List<String> extraConfigFiles = new ArrayList<>();

  private MasConfigRenderer(RenderContext ctx) {
    this.ctx = ctx;
  }

  /** Renders MAS's config for a validated, defaulted spec in MAS mode. */
  public static Rendering render(RenderContext ctx) {
    MasConfigRenderer renderer = new MasConfigRenderer(ctx);
    Map<String, Object> tree =
        YamlTrees.merge(
            YamlTrees.merge(renderer.defaults(), ctx.spec().auth().mas().additionalConfig()),
            renderer.owned());
    String text =
        YamlTrees.dump(
            tree,
            "Matrix Authentication Service config for "
                + ctx.spec().serverName()
                + ".\nGenerated from the MatrixDeployment spec; edits here are overwritten."
                + "\nChange spec.auth.mas (or its additionalConfig) instead.");
    return new Rendering(
        text,
        List.copyOf(renderer.extraConfigFiles),
        List.copyOf(renderer.derived),
        List.copyOf(renderer.secretFiles));
  }

  /**
   * The dotted paths of every MAS setting rendered from the spec for this context (see {@link
   * SynapseConfigRenderer#ownedKeys}).
   */
  public static List<String> ownedKeys(RenderContext ctx) {
    return YamlTrees.leafPaths(new MasConfigRenderer(ctx).owned());
  }

  private Map<String, Object> defaults() {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put(
        "passwords",
        map(
            "schemes",
            List.of(map("version", 1, "algorithm", "argon2id")),
            "minimum_complexity",
            3));
    tree.put(
        "account",
        map(
            "password_recovery_enabled",
            ctx.spec().homeserver().email() != null,
            "login_with_email_allowed",
            false));
    return tree;
  }

  private Map<String, Object> owned() {
    MasSpec mas = ctx.spec().auth().mas();
    String share = ctx.target().masShareDir();
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("http", http(share));
    tree.put("database", database());
    tree.put(
        "matrix",
        map(
            "kind", "synapse",
            "homeserver", ctx.spec().serverName(),
            "endpoint", ctx.synapseInternalUrl(),
            "secret_file", secret(GeneratedSecrets.MAS_SYNAPSE_SHARED.name())));
    tree.put(
        "secrets",
        map(
            "encryption_file", secret(GeneratedSecrets.MAS_ENCRYPTION.name()),
            "keys",
                List.of(
                    map("key_file", secret(GeneratedSecrets.MAS_RSA_KEY.name())),
                    map("key_file", secret(GeneratedSecrets.MAS_EC_KEY.name())))));
    tree.put(
        "templates",
        map(
            "path", share + "/templates/",
            "assets_manifest", share + "/manifest.json",
            "translations_path", share + "/translations/"));
    tree.put("policy", map("wasm_module", share + "/policy.wasm"));
    tree.put("passwords", passwords(mas));
    tree.put(
        "account",
        map(
            "password_registration_enabled", mas.registration().passwordRegistration(),
            "password_registration_email_required", mas.registration().emailRequired(),
            "registration_token_required", mas.registration().tokenRequired()));
    EmailSpec email = ctx.spec().homeserver().email();
    if (email != null) {
      tree.put("email", email(email));
    }
    List<Object> providers = new ArrayList<>();
    for (UpstreamProviderSpec provider : ctx.spec().auth().upstreamProviders()) {
      providers.add(provider(provider));
    }
    tree.put("upstream_oauth2", map("providers", providers));
    return tree;
  }

  /**
   * With syn2mas, scheme 1 takes the passwords moved from Synapse (bcrypt, normalized, with
   * Synapse's pepper, as syn2mas requires) and new passwords use scheme 2; otherwise the defaults'
   * single argon2id scheme stays.
   */
  private Map<String, Object> passwords(MasSpec mas) {
    Map<String, Object> section = map("enabled", mas.passwordLogin());
    if (ctx.spec().migration().strategy() != MigrationStrategy.SYN2MAS) {
      return section;
    }
    Map<String, Object> migrated = map("version", 1, "algorithm", "bcrypt");
    migrated.put("unicode_normalization", true);
    SecretRef pepper = ctx.spec().auth().passwordPepper();
    if (pepper != null) {
      String path = ctx.secrets().user(pepper);
      secretFiles.add(path);
      migrated.put("secret_file", path);
    }
    section.put("schemes", List.of(migrated, map("version", 2, "algorithm", "argon2id")));
    return section;
  }

  private Map<String, Object> http(String share) {
    String bind = ctx.target().bindAddress();
    Map<String, Object> web =
        map(
            "name",
            "web",
            "resources",
            List.of(
                map("name", "discovery"),
                map("name", "human"),
                map("name", "oauth"),
                map("name", "compat"),
                map("name", "graphql"),
                map("name", "assets", "path", share + "/assets/")),
            "binds",
            List.of(map("address", bind + ":" + ctx.target().ports().masWeb())),
            "proxy_protocol",
            false);
    List<Object> internalResources = new ArrayList<>(List.of(map("name", "health")));
    if (ctx.target().metrics()) {
      internalResources.add(map("name", "prometheus"));
    }
    Map<String, Object> internal =
        map(
            "name",
            "internal",
            "resources",
            internalResources,
            "binds",
            List.of(map("address", bind + ":" + ctx.target().ports().masInternal())),
            "proxy_protocol",
            false);
    return map(
        "public_base", ctx.masPublicUrl(),
        "issuer", ctx.masPublicUrl(),
        "trusted_proxies", trustedProxies(),
        "listeners", List.of(web, internal));
  }

  private List<String> trustedProxies() {
    if (ctx.target().kind() == TargetKind.CLOUDRON) {
      return List.of("127.0.0.0/8", "::1/128");
    }
    return List.of(
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fd00::/8", "::1/128");
  }

  private Map<String, Object> database() {
    DatabaseSpec spec = ctx.spec().database().mas();
    DatabaseUrl db = DatabaseUrl.of(spec);
    Map<String, Object> section = new LinkedHashMap<>();
    if (spec.schema() != null) {
      // Only a URI can carry search_path; the URI then needs the password inline, so the whole
      // database section lives in a derived secret file and config.yaml only sizes the pool.
      // MAS creates its tables in the first schema; public comes second for extensions already
      // installed there (pg_trgm: a migration uses its operator class unqualified). Prepared by
      // MasDatabaseSchema before MAS migrates.
      String uri =
          "postgresql://"
              + encode(db.user())
              + "@"
              + db.host()
              + ":"
              + db.port()
              + "/"
              + encode(db.name())
              + "?sslmode="
              + db.sslMode().wireName()
              + "&options="
              + encode("-c search_path=" + spec.schema() + ",public");
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("database", map("uri", uri));
      Map<String, mxstack.core.spec.SecretRef> secrets =
          spec.password() == null ? Map.of() : Map.of("database.uri#password", spec.password());
      derived.add(
          new DerivedSecretFile(DATABASE_YAML, DerivedSecretFile.Format.YAML, fields, secrets));
      String path = ctx.secrets().derived(DATABASE_YAML);
      extraConfigFiles.add(path);
      secretFiles.add(path);
      if (spec.password() != null) {
        derived.add(
            new DerivedSecretFile(
                SCHEMA_PGPASS,
                DerivedSecretFile.Format.PGPASS,
                map("user", db.user()),
                Map.of("password", spec.password())));
        secretFiles.add(ctx.secrets().derived(SCHEMA_PGPASS));
      }
      if (spec.sslRootCert() != null) {
        // With a URI, the CA file can only come from the environment (PGSSLROOTCERT).
        secretFiles.add(ctx.secrets().user(spec.sslRootCert()));
      }
    } else {
      section.put("host", db.host());
      section.put("port", db.port());
      section.put("username", db.user());
      if (spec.password() != null) {
        String path = ctx.secrets().user(spec.password());
        secretFiles.add(path);
        section.put("password_file", path);
      }
      section.put("database", db.name());
      section.put("ssl_mode", db.sslMode().wireName());
      if (spec.sslRootCert() != null) {
        String path = ctx.secrets().user(spec.sslRootCert());
        secretFiles.add(path);
        section.put("ssl_ca_file", path);
      }
    }
    section.put("max_connections", spec.maxConnections());
    return section;
  }

  private Map<String, Object> email(EmailSpec email) {
    Map<String, Object> section = new LinkedHashMap<>();
    // The schema types these as a plain RFC 5321 mailbox, so the display name is left out.
    String address = addressOf(email.from());
    section.put("from", address);
    section.put("reply_to", address);
    section.put("transport", "smtp");
    section.put(
        "mode",
        switch (email.security()) {
          case TLS -> "tls";
          case STARTTLS -> "starttls";
          case NONE -> "plain";
        });
    section.put("hostname", email.smtpHost());
    section.put("port", email.smtpPort());
    if (email.smtpUser() != null) {
      section.put("username", email.smtpUser());
    }
    if (email.smtpPassword() != null) {
      String path = ctx.secrets().user(email.smtpPassword());
      secretFiles.add(path);
      section.put("password_file", path);
    }
    return section;
  }

  private Map<String, Object> provider(UpstreamProviderSpec p) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("id", p.id());
    entry.put("human_name", p.name());
    entry.put("issuer", p.issuer());
    entry.put("client_id", p.clientId());
    entry.put("token_endpoint_auth_method", p.tokenEndpointAuthMethod().wireName());
    if (p.tokenEndpointAuthMethod() != TokenEndpointAuthMethod.NONE) {
      String path = ctx.secrets().user(p.clientSecret());
      secretFiles.add(path);
      entry.put("client_secret_file", path);
    }
    entry.put("scope", String.join(" ", p.scopes()));
    entry.put("fetch_userinfo", p.fetchUserinfo());
    if (p.synapseIdpId() != null) {
      entry.put("synapse_idp_id", p.synapseIdpId());
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put(
        "localpart",
        map(
            "action", p.claims().localpart().action().wireName(),
            "template", p.claims().localpart().template()));
    claims.put(
        "displayname",
        map(
            "action", p.claims().displayname().action().wireName(),
            "template", p.claims().displayname().template()));
    claims.put(
        "email",
        map(
            "action", p.claims().email().action().wireName(),
            "template", p.claims().email().template()));
    entry.put("claims_imports", claims);
    // additionalConfig may add keys (e.g. pkce_method) but never replace the typed ones.
    return YamlTrees.merge(p.additionalConfig(), entry);
  }

  private String secret(String name) {
    String path = ctx.secrets().generated(name);
    secretFiles.add(path);
    return path;
  }

  static String addressOf(String from) {
    int open = from.lastIndexOf('<');
    int close = from.lastIndexOf('>');
    return open >= 0 && close > open ? from.substring(open + 1, close).trim() : from.trim();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
