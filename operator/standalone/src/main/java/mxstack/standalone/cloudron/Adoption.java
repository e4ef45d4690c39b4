package mxstack.standalone.cloudron;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.render.ConfigKeyRules;
import mxstack.core.yaml.YamlTrees;
import mxstack.standalone.apply.ConfigWriter;

/**
 * Takes over an install of the former Cloudron Synapse package, whose settings are in {@code
 * /app/data/configs/homeserver.yaml} (its layout varies by version, so that file is the truth): the
 * server name, the signing key (never a new one), the secrets, the password pepper and the media
 * store stay as they are; the settings that still work are imported into {@code
 * homeserver.additionalConfig}, those that cannot work with MAS are refused, each named with why;
 * each OpenID Connect provider becomes an upstream provider with its Synapse id. The install then
 * runs in legacy mode, logins exactly as before, with {@code migration.strategy: syn2mas}.
 */
final class Adoption {

  /** The former package's config, relative to /app/data. */
  static final String OLD_CONFIG = "configs/homeserver.yaml";

  /** Written once adopted: never adopt twice. */
  static final String MARKER = ".mxstack/adopted";

  /** What was imported and refused, for the admin. */
  static final String REPORT = ".mxstack/adoption-report.txt";

  /** Where the pepper goes; the spec references it. */
  static final String PEPPER = "secrets/synapse-password-pepper";

  /** Settings taken over by fields of the spec or by the environment, not imported as they are. */
  private static final Map<String, String> CONVERTED =
      Map.ofEntries(
          Map.entry("max_upload_size", "spec.homeserver.media.maxUploadSize"),
          Map.entry("url_preview_enabled", "spec.homeserver.urlPreviews.enabled"),
          Map.entry(
              "federation_domain_whitelist", "spec.homeserver.federation (an empty list: off)"),
          Map.entry("oidc_providers", "spec.auth.upstreamProviders"),
          Map.entry(
              "password_config", "spec.auth.passwordPepper (the pepper); passwords move to MAS"),
          Map.entry("turn_user_lifetime", "spec.homeserver.turn.userLifetime"),
          Map.entry("turn_allow_guests", "spec.homeserver.turn.allowGuests"),
          Map.entry("turn_uris", "Cloudron's TURN (the environment)"),
          Map.entry("turn_shared_secret", "Cloudron's TURN (the environment)"),
          Map.entry("email", "Cloudron's mail relay (the environment)"));

  /** What the former package rendered for itself and this one renders anew. */
  private static final List<String> DROPPED =
      List.of("report_stats", "trusted_key_servers", "suppress_key_server_warning", "web_client");

  /** The outcome, for the log and the report. */
  record Result(
      String serverName, List<String> imported, List<String> converted, List<String> refused) {}

  private final Path dataDir;
  private final Map<String, String> env;
  private final Path secretsDir;
  private final Path synapseDataDir;

  Adoption(Path dataDir, Map<String, String> env, Path secretsDir, Path synapseDataDir) {
    this.dataDir = dataDir;
    this.env = env;
    this.secretsDir = secretsDir;
    this.synapseDataDir = synapseDataDir;
  }

  /** Whether there is an install of the former package here that was not taken over yet. */
  boolean applies() {
    return Files.isRegularFile(dataDir.resolve(OLD_CONFIG))
        && !Files.exists(dataDir.resolve(MARKER))
        && !Files.exists(dataDir.resolve(CloudronPlanStep.SERVER_NAME));
  }

  /**
   * Takes the install over: writes matrix.yaml, the kept secrets and the report. Throws, changing
   * nothing that matters, when the former config cannot be used (no server name, no signing key): a
   * new server must never start over an existing one's data.
   */
  @SuppressWarnings("unchecked")
  Result adopt() throws IOException {
    Path old = dataDir.resolve(OLD_CONFIG);
    Object parsed;
    try {
      parsed = YamlTrees.toJava(YamlTrees.compose(Files.readString(old, StandardCharsets.UTF_8)));
    } catch (RuntimeException e) {
      throw new IOException(old + " cannot be read as YAML: " + e.getMessage(), e);
    }
    if (!(parsed instanceof Map)) {
      throw new IOException(old + " holds no settings");
    }
    Map<String, Object> config = (Map<String, Object>) parsed;
    Object serverName = config.get("server_name");
    if (!(serverName instanceof String name) || name.isBlank()) {
      throw new IOException(old + " has no server_name: the users' IDs cannot be known");
    }

    List<String> imported = new ArrayList<>();
    List<String> converted = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    keepSigningKey(config, old);
    keepSecret(config, "macaroon_secret_key", GeneratedSecrets.SYNAPSE_MACAROON.name());
    keepSecret(config, "form_secret", GeneratedSecrets.SYNAPSE_FORM.name());
    keepSecret(config, "registration_shared_secret", GeneratedSecrets.SYNAPSE_REGISTRATION.name());
    keepMedia(config);

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("serverName", name);
    Map<String, Object> homeserver = new LinkedHashMap<>();
    Map<String, Object> additional = new LinkedHashMap<>();
    Map<String, Object> auth = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : config.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (CONVERTED.containsKey(key)) {
        converted.add(key + " -> " + CONVERTED.get(key));
        convert(key, value, homeserver, auth);
      } else if (ConfigKeyRules.SYNAPSE_OWNED.containsKey(key) || DROPPED.contains(key)) {
        converted.add(key + " -> kept or rendered by this package");
      } else if (refusedWithMas(key, value) != null) {
        refused.add(key + ": " + refusedWithMas(key, value));
      } else {
        additional.put(key, value);
        imported.add(key);
      }
    }
    if (!additional.isEmpty()) {
      homeserver.put("additionalConfig", additional);
    }
    if (!homeserver.isEmpty()) {
      spec.put("homeserver", homeserver);
    }
    List<Object> providers = providers(config, refused);
    if (!providers.isEmpty()) {
      auth.put("upstreamProviders", providers);
    }
    if (!auth.isEmpty()) {
      spec.put("auth", auth);
    }
    spec.put("migration", Map.of("strategy", "syn2mas"));
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", "mxstack.internal/v1alpha1");
    document.put("kind", "MatrixDeployment");
    document.put("metadata", Map.of("name", "matrix"));
    document.put("spec", spec);

    Result result = new Result(name, imported, converted, refused);
    String header =
        "Imported on "
            + Instant.now()
            + " from the former Synapse package's "
            + old
            + "\n(kept there, unchanged). What was imported and refused, and why: "
            + dataDir.resolve(REPORT)
            + "\nUsers keep logging in as before (auth mode legacy) until the migration to MAS"
            + "\n(migration.strategy: syn2mas) has completed; then MAS handles the logins.";
    Path specFile = dataDir.resolve("matrix.yaml");
    Path before = dataDir.resolve("matrix.yaml.before-takeover");
    if (Files.exists(specFile) && !Files.exists(before)) {
      Files.move(specFile, before); // an earlier, unfinished takeover already kept the admin's
    }
    ConfigWriter.write(
        specFile, YamlTrees.dump(document, header).getBytes(StandardCharsets.UTF_8), 0644);
    ConfigWriter.write(
        dataDir.resolve(REPORT), report(result).getBytes(StandardCharsets.UTF_8), 0644);
    StringBuilder marker = new StringBuilder(Instant.now() + "\n");
    refused.forEach(k -> marker.append(k.substring(0, k.indexOf(':'))).append('\n'));
    ConfigWriter.write(
        dataDir.resolve(MARKER), marker.toString().getBytes(StandardCharsets.UTF_8), 0644);
    return result;
  }

  /** Why a setting cannot work once logins are delegated to MAS, or null. */
  private static String refusedWithMas(String key, Object value) {
    String why = ConfigKeyRules.SYNAPSE_REFUSED_WITH_MAS.get(key);
    if (why != null) {
      return "cannot work with MAS: " + why;
    }
    if (key.equals("allow_guest_access") && Boolean.TRUE.equals(value)) {
      return "MAS has no guest accounts; guest access ends with the move to MAS";
    }
    if (key.equals("enable_3pid_changes") && Boolean.TRUE.equals(value)) {
      return "with MAS, users change their e-mail addresses in MAS";
    }
    if (key.endsWith("_lifetime") && (key.contains("token") || key.startsWith("session"))) {
      return "cannot work with MAS: MAS sets token lifetimes";
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private void convert(
      String key, Object value, Map<String, Object> homeserver, Map<String, Object> auth)
      throws IOException {
    switch (key) {
      case "max_upload_size" ->
          homeserver.put("media", Map.of("maxUploadSize", String.valueOf(value)));
      case "url_preview_enabled" ->
          homeserver.put("urlPreviews", Map.of("enabled", Boolean.TRUE.equals(value)));
      case "federation_domain_whitelist" -> {
        if (value instanceof List<?> list && list.isEmpty()) {
          homeserver.put("federation", Map.of("enabled", false));
        }
      }
      case "turn_user_lifetime", "turn_allow_guests" -> {
        Object typed =
            key.equals("turn_allow_guests")
                ? (value instanceof Boolean b ? b : null)
                : (value instanceof Number n ? n.longValue() / 1000 + "s" : value);
        // Only beside Cloudron's TURN: a turn section needs the URIs the environment gives.
        if (typed != null && env.get("CLOUDRON_TURN_SERVER") != null) {
          ((Map<String, Object>) homeserver.computeIfAbsent("turn", k -> new LinkedHashMap<>()))
              .put(key.equals("turn_allow_guests") ? "allowGuests" : "userLifetime", typed);
        }
      }
      case "password_config" -> {
        if (value instanceof Map<?, ?> section
            && section.get("pepper") instanceof String pepper
            && !pepper.isEmpty()) {
          // Exactly the pepper's bytes: MAS reads the file as it is, Synapse strips it.
          writeSecret(dataDir.resolve(PEPPER), pepper);
          auth.put("passwordPepper", Map.of("file", dataDir.resolve(PEPPER).toString()));
        }
      }
      default -> {
        // taken from the environment
      }
    }
  }

  /**
   * Each OpenID Connect provider as an upstream provider with Synapse's id for it, so that the
   * users linked to it keep their accounts. Cloudron's own provider comes from the environment; it
   * is listed here only when the former package gave it another id.
   */
  @SuppressWarnings("unchecked")
  private List<Object> providers(Map<String, Object> config, List<String> refused)
      throws IOException {
    List<Object> providers = new ArrayList<>();
    boolean needed = false;
    Object list = config.get("oidc_providers");
    if (!(list instanceof List)) {
      return providers;
    }
    String cloudronIssuer = env.get("CLOUDRON_OIDC_ISSUER");
    String cloudronClient = env.get("CLOUDRON_OIDC_CLIENT_ID");
    boolean cloudronListed = false;
    for (Object item : (List<Object>) list) {
      if (!(item instanceof Map)) {
        continue;
      }
      Map<String, Object> p = (Map<String, Object>) item;
      String idp = String.valueOf(p.getOrDefault("idp_id", "oidc"));
      String synapseId = idp.equals("oidc") ? "oidc" : "oidc-" + idp;
      boolean cloudron =
          (cloudronIssuer != null && trim(cloudronIssuer).equals(trim(p.get("issuer"))))
              || (cloudronClient != null && cloudronClient.equals(p.get("client_id")));
      Map<String, Object> provider = new LinkedHashMap<>();
      if (cloudron) {
        cloudronListed = true;
        if (synapseId.equals(CloudronEnvironment.CLOUDRON_SYNAPSE_IDP_ID)) {
          continue; // the environment's provider, with the same id
        }
        provider.putAll(cloudronProvider());
      } else {
        Object issuer = p.get("issuer");
        Object clientId = p.get("client_id");
        if (issuer == null || clientId == null) {
          refused.add("oidc_providers[" + idp + "]: no issuer or client_id");
          continue;
        }
        provider.put("id", ulid(idp));
        provider.put("name", String.valueOf(p.getOrDefault("idp_name", idp)));
        provider.put("issuer", issuer);
        provider.put("clientId", String.valueOf(clientId));
        Object secret = p.get("client_secret");
        if (secret instanceof String value) {
          Path file = dataDir.resolve("secrets/oidc-" + idp + "-client-secret");
          writeSecret(file, value);
          provider.put("clientSecret", Map.of("file", file.toString()));
        }
        if (p.get("scopes") instanceof List<?> scopes) {
          provider.put("scopes", scopes);
        }
      }
      provider.put("synapseIdpId", synapseId);
      if (p.get("user_mapping_provider") instanceof Map<?, ?> mapping
          && mapping.get("config") instanceof Map<?, ?> templates
          && templates.get("localpart_template") instanceof String localpart) {
        provider.put("claims", Map.of("localpart", Map.of("template", localpart)));
      }
      providers.add(provider);
      needed = true;
    }
    if (needed && !cloudronListed && cloudronClient != null) {
      // A list in matrix.yaml replaces the environment's: keep Cloudron's login in it.
      Map<String, Object> provider = cloudronProvider();
      provider.put("synapseIdpId", CloudronEnvironment.CLOUDRON_SYNAPSE_IDP_ID);
      providers.add(0, provider);
    }
    return needed ? providers : List.of();
  }

  /** Cloudron's provider as the environment gives it, for a list in matrix.yaml. */
  private Map<String, Object> cloudronProvider() {
    Map<String, Object> provider = new LinkedHashMap<>();
    provider.put("id", CloudronEnvironment.CLOUDRON_PROVIDER_ID);
    provider.put("name", env.getOrDefault("CLOUDRON_OIDC_PROVIDER_NAME", "Cloudron"));
    provider.put("issuer", env.get("CLOUDRON_OIDC_ISSUER"));
    provider.put("clientId", env.get("CLOUDRON_OIDC_CLIENT_ID"));
    Path secret =
        CloudronLayout.fromEnvironment(env)
            .environmentSecretsDir()
            .resolve("cloudron-oidc-client-secret");
    provider.put("clientSecret", Map.of("file", secret.toString()));
    provider.put("fetchUserinfo", true);
    return provider;
  }

  /** The former signing key, as this package's; without one the install cannot be taken over. */
  private void keepSigningKey(Map<String, Object> config, Path old) throws IOException {
    Path target = secretsDir.resolve(GeneratedSecrets.SYNAPSE_SIGNING_KEY.name());
    Object path = config.get("signing_key_path");
    if (!(path instanceof String p) || !Files.isRegularFile(resolve(p))) {
      throw new IOException(
          old
              + ": signing_key_path "
              + path
              + " is not a readable file: this server's key would be lost (other servers know it"
              + " by it); restore it first");
    }
    String former = Files.readString(resolve(p), StandardCharsets.UTF_8);
    if (!Files.exists(target)) {
      writeSecret(target, former);
    } else if (!Files.readString(target, StandardCharsets.UTF_8).strip().equals(former.strip())) {
      throw new IOException(
          target
              + " holds another signing key than the former package's "
              + p
              + ": other servers know this one by the former; move "
              + target
              + " away to take the former key over");
    }
  }

  /** A secret the former config holds inline or in a file, kept as this package's. */
  private void keepSecret(Map<String, Object> config, String key, String name) throws IOException {
    Path target = secretsDir.resolve(name);
    if (Files.exists(target)) {
      return;
    }
    Object value = config.get(key);
    if (!(value instanceof String) && config.get(key + "_path") instanceof String path) {
      Path file = resolve(path);
      value =
          Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
    }
    if (value instanceof String text && !text.isBlank()) {
      writeSecret(target, text);
    }
  }

  /** The media store stays where it is: this package's path points at it. */
  private void keepMedia(Map<String, Object> config) throws IOException {
    Object path = config.get("media_store_path");
    if (!(path instanceof String p)) {
      return;
    }
    Path media = resolve(p);
    Path ours = synapseDataDir.resolve("media_store");
    if (!Files.isDirectory(media)
        || media.equals(ours)
        || Files.exists(ours, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.createDirectories(synapseDataDir);
    Files.createSymbolicLink(ours, synapseDataDir.relativize(media));
  }

  /** A path of the former config; relative ones were relative to /app/data. */
  private Path resolve(String path) {
    Path p = Path.of(path);
    return p.isAbsolute() ? rebase(p) : dataDir.resolve(p);
  }

  /**
   * The former package's absolute paths name /app/data; where this runs elsewhere (the tests'
   * simulated Cloudron), they are read below this data directory.
   */
  private Path rebase(Path p) {
    Path appData = Path.of("/app/data");
    return p.startsWith(appData) && !dataDir.equals(appData)
        ? dataDir.resolve(appData.relativize(p))
        : p;
  }

  private static void writeSecret(Path file, String value) throws IOException {
    ConfigWriter.write(file, value.getBytes(StandardCharsets.UTF_8), 0600);
  }

  private static String trim(Object url) {
    String s = String.valueOf(url);
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** A stable ULID for a provider (the same at every run): Crockford base32 of a digest. */
  static String ulid(String seed) {
    String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
      StringBuilder out = new StringBuilder("01");
      for (int i = 0; out.length() < 26; i++) {
        out.append(alphabet.charAt((digest[i] & 0xff) % 32));
      }
      return out.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private String report(Result r) {
    StringBuilder out = new StringBuilder();
    out.append("Takeover of the former Synapse package's install, ").append(Instant.now());
    out.append("\nServer name: ").append(r.serverName()).append(" (kept; never changes)\n");
    out.append("\nImported into spec.homeserver.additionalConfig:\n");
    r.imported().forEach(k -> out.append("  ").append(k).append('\n'));
    out.append("\nTaken over by the spec, the environment or this package:\n");
    r.converted().forEach(k -> out.append("  ").append(k).append('\n'));
    out.append("\nRefused (they cannot work with MAS):\n");
    r.refused().forEach(k -> out.append("  ").append(k).append('\n'));
    out.append(
        "\nThe signing key, the macaroon, form and registration secrets and the password pepper"
            + " are kept in "
            + secretsDir
            + " and "
            + dataDir.resolve("secrets")
            + "; the media store stays where it was.\n");
    return out.toString();
  }
}
