package mxstack.standalone.cloudron;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.spec.MatrixDeploymentDocument;

/**
 * Turns Cloudron's {@code CLOUDRON_*} variables into the bottom layer of the spec. Read at every
 * start and never cached: Cloudron may change them (database credentials after a restore, say).
 * Secret values go to files; the layer only references them.
 */
public final class CloudronEnvironment {

  /**
   * The Cloudron login provider's ULID. Fixed, because the manifest's oidc {@code loginRedirectUri}
   * names its MAS callback path, {@code /upstream/callback/<id>}.
   */
  public static final String CLOUDRON_PROVIDER_ID = "01JCC0VDR0N0PENDC0NNECT0DC";

  /** The auth_provider Synapse recorded for Cloudron logins before MAS (idp_id "cloudron"). */
  public static final String CLOUDRON_SYNAPSE_IDP_ID = "oidc-cloudron";

  /** The schema MAS keeps its tables in, inside Cloudron's single PostgreSQL database. */
  public static final String MAS_SCHEMA = "mas";

  /**
   * The environment layer.
   *
   * @param tree a MatrixDeployment document as a tree, to merge under the admin's file
   * @param secrets secret values by file name, to be written under the env-secrets directory
   */
  public record Layer(Map<String, Object> tree, Map<String, String> secrets) {}

  private CloudronEnvironment() {}

  /** Builds the layer from the environment; secrets are referenced under {@code secretsDir}. */
  public static Layer read(Map<String, String> env, Path secretsDir) {
    Map<String, String> secrets = new LinkedHashMap<>();
    Map<String, Object> spec = new LinkedHashMap<>();
    String domain = env.get("CLOUDRON_APP_DOMAIN");
    String origin = env.get("CLOUDRON_APP_ORIGIN");
    if (origin == null && domain != null) {
      origin = "https://" + domain;
    }
    if (domain == null && origin != null) {
      domain = URI.create(origin).getHost();
    }
    if (domain != null) {
      spec.put("serverName", parentDomain(domain));
    }
    Map<String, Object> homeserver = new LinkedHashMap<>();
    if (origin != null) {
      homeserver.put("publicBaseUrl", origin);
    }
    spec.put("homeserver", homeserver);

    Map<String, Object> auth = new LinkedHashMap<>();
    Map<String, Object> mas = new LinkedHashMap<>();
    if (origin != null) {
      // MAS shares the primary domain: Cloudron's OIDC redirect URIs are paths on it.
      mas.put("publicBaseUrl", origin.endsWith("/") ? origin : origin + "/");
    }
    auth.put("mas", mas);
    if (present(env, "CLOUDRON_OIDC_CLIENT_ID")) {
      secrets.put(
          "cloudron-oidc-client-secret", env.getOrDefault("CLOUDRON_OIDC_CLIENT_SECRET", ""));
      Map<String, Object> provider = new LinkedHashMap<>();
      provider.put("id", CLOUDRON_PROVIDER_ID);
      provider.put("name", env.getOrDefault("CLOUDRON_OIDC_PROVIDER_NAME", "Cloudron"));
      provider.put("issuer", env.get("CLOUDRON_OIDC_ISSUER"));
      provider.put("clientId", env.get("CLOUDRON_OIDC_CLIENT_ID"));
      provider.put("clientSecret", file(secretsDir, "cloudron-oidc-client-secret"));
      provider.put("scopes", List.of("openid", "profile", "email"));
      // Cloudron may put preferred_username only in userinfo.
      provider.put("fetchUserinfo", true);
      provider.put("synapseIdpId", CLOUDRON_SYNAPSE_IDP_ID);
      auth.put("upstreamProviders", new ArrayList<>(List.of(provider)));
    }
    spec.put("auth", auth);

    if (present(env, "CLOUDRON_POSTGRESQL_HOST")) {
      secrets.put(
          "cloudron-postgresql-password", env.getOrDefault("CLOUDRON_POSTGRESQL_PASSWORD", ""));
      Map<String, Object> synapseDb = database(env, secretsDir);
      Map<String, Object> masDb = database(env, secretsDir);
      masDb.put("schema", MAS_SCHEMA);
      Map<String, Object> databases = new LinkedHashMap<>();
      databases.put("synapse", synapseDb);
      databases.put("mas", masDb);
      spec.put("database", databases);
    }

    if (present(env, "CLOUDRON_MAIL_SMTP_SERVER")) {
      Map<String, Object> email = new LinkedHashMap<>();
      email.put("smtpHost", env.get("CLOUDRON_MAIL_SMTP_SERVER"));
      email.put("smtpPort", Integer.parseInt(env.getOrDefault("CLOUDRON_MAIL_SMTP_PORT", "2525")));
      // Cloudron's relay on the internal network speaks neither TLS nor STARTTLS on this port.
      email.put("security", "none");
      if (present(env, "CLOUDRON_MAIL_SMTP_USERNAME")) {
        email.put("smtpUser", env.get("CLOUDRON_MAIL_SMTP_USERNAME"));
        secrets.put("cloudron-smtp-password", env.getOrDefault("CLOUDRON_MAIL_SMTP_PASSWORD", ""));
        email.put("smtpPassword", file(secretsDir, "cloudron-smtp-password"));
      }
      String from = env.getOrDefault("CLOUDRON_MAIL_FROM", "matrix@" + domain);
      String name = env.getOrDefault("CLOUDRON_MAIL_FROM_DISPLAY_NAME", "Matrix");
      email.put("from", name + " <" + from + ">");
      homeserver.put("email", email);
    }

    if (present(env, "CLOUDRON_TURN_SERVER") && present(env, "CLOUDRON_TURN_SECRET")) {
      String server = env.get("CLOUDRON_TURN_SERVER");
      String port = env.getOrDefault("CLOUDRON_TURN_PORT", "3478");
      List<String> uris = new ArrayList<>();
      uris.add("turn:" + server + ":" + port + "?transport=udp");
      uris.add("turn:" + server + ":" + port + "?transport=tcp");
      if (present(env, "CLOUDRON_TURN_TLS_PORT")) {
        uris.add("turns:" + server + ":" + env.get("CLOUDRON_TURN_TLS_PORT") + "?transport=tcp");
      }
      secrets.put("cloudron-turn-secret", env.get("CLOUDRON_TURN_SECRET"));
      Map<String, Object> turn = new LinkedHashMap<>();
      turn.put("uris", uris);
      turn.put("sharedSecret", file(secretsDir, "cloudron-turn-secret"));
      homeserver.put("turn", turn);
    }

    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", MatrixDeploymentDocument.API_VERSION);
    document.put("kind", MatrixDeploymentDocument.KIND);
    document.put("metadata", new LinkedHashMap<>(Map.of("name", "matrix")));
    document.put("spec", spec);
    return new Layer(document, secrets);
  }

  /**
   * The server name for an app domain: its parent domain ({@code matrix.example.com} gives {@code
   * example.com}), as the existing Cloudron Synapse package does; a two-label domain is kept.
   */
  public static String parentDomain(String domain) {
    String[] labels = domain.split("\\.");
    if (labels.length <= 2) {
      return domain;
    }
    return domain.substring(domain.indexOf('.') + 1);
  }

  private static Map<String, Object> database(Map<String, String> env, Path secretsDir) {
    Map<String, Object> db = new LinkedHashMap<>();
    db.put("host", env.get("CLOUDRON_POSTGRESQL_HOST"));
    db.put("port", Integer.parseInt(env.getOrDefault("CLOUDRON_POSTGRESQL_PORT", "5432")));
    db.put("name", env.get("CLOUDRON_POSTGRESQL_DATABASE"));
    db.put("user", env.get("CLOUDRON_POSTGRESQL_USERNAME"));
    db.put("password", file(secretsDir, "cloudron-postgresql-password"));
    // The addon's server is on Cloudron's internal network and does not offer TLS.
    db.put("sslMode", "disable");
    return db;
  }

  private static Map<String, Object> file(Path dir, String name) {
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("file", dir.resolve(name).toString());
    return ref;
  }

  private static boolean present(Map<String, String> env, String name) {
    String value = env.get(name);
    return value != null && !value.isBlank();
  }
}
