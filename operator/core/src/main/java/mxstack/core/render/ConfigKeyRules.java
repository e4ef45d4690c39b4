package mxstack.core.render;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which keys of the rendered configs an admin's {@code additionalConfig} may not set, and why. One
 * table per file: a key maps to the advice shown to the admin.
 */
public final class ConfigKeyRules {

  private ConfigKeyRules() {}

  /** homeserver.yaml keys the operator always sets itself (any auth mode). */
  public static final Map<String, String> SYNAPSE_OWNED =
      table(
          "server_name", "set spec.serverName",
          "public_baseurl", "set spec.homeserver.publicBaseUrl",
          "listeners", "the router and probes depend on the listeners the operator renders",
          "database", "set spec.database.synapse",
          "matrix_authentication_service", "set spec.auth.mode and spec.auth.mas",
          "experimental_features.msc3861", "set spec.auth.mode and spec.auth.mas",
          "signing_key_path", "the signing key is generated and kept by the operator",
          "signing_key", "the signing key is generated and kept by the operator",
          "macaroon_secret_key", "generated and kept by the operator",
          "macaroon_secret_key_path", "generated and kept by the operator",
          "form_secret", "generated and kept by the operator",
          "form_secret_path", "generated and kept by the operator",
          "registration_shared_secret", "generated and kept by the operator",
          "registration_shared_secret_path", "generated and kept by the operator",
          "media_store_path", "the media volume is managed by the operator",
          "log_config", "logging is rendered by the operator",
          "pid_file", "processes are supervised by the operator",
          "max_upload_size", "set spec.homeserver.media.maxUploadSize",
          "url_preview_enabled", "set spec.homeserver.urlPreviews.enabled",
          "url_preview_ip_range_blacklist", "set spec.homeserver.urlPreviews.extraBlockedIpRanges",
          "federation_domain_whitelist", "set spec.homeserver.federation.enabled",
          "turn_uris", "set spec.homeserver.turn.uris",
          "turn_shared_secret", "set spec.homeserver.turn.sharedSecret",
          "turn_shared_secret_path", "set spec.homeserver.turn.sharedSecret",
          "turn_user_lifetime", "set spec.homeserver.turn.userLifetime",
          "turn_allow_guests", "set spec.homeserver.turn.allowGuests",
          "email", "set spec.homeserver.email",
          "serve_server_wellknown", "set spec.wellKnown");

  /** homeserver.yaml keys the operator sets itself while Synapse keeps the logins (legacy). */
  public static final Map<String, String> SYNAPSE_OWNED_LEGACY =
      table(
          "enable_registration", "set spec.homeserver.registration.enabled",
          "registration_requires_token", "set spec.homeserver.registration.requireToken",
          "oidc_providers", "set spec.auth.upstreamProviders");

  /** homeserver.yaml keys Synapse refuses to start with when logins are delegated to MAS. */
  public static final Map<String, String> SYNAPSE_REFUSED_WITH_MAS =
      table(
          "password_config.enabled", "use spec.auth.mas.passwordLogin",
          "password_config.localdb_enabled", "use spec.auth.mas.passwordLogin",
          "enable_registration", "use spec.auth.mas.registration",
          "enable_registration_without_verification", "use spec.auth.mas.registration",
          "registration_requires_3pid", "use spec.auth.mas.registration",
          "user_consent", "MAS shows terms of service instead (MAS branding.tos_uri)",
          "oidc_providers", "use spec.auth.upstreamProviders",
          "oidc_config", "use spec.auth.upstreamProviders",
          "saml2_config", "SAML is not supported with MAS; bridge it through an OIDC provider",
          "cas_config", "CAS is not supported with MAS; bridge it through an OIDC provider",
          "jwt_config", "JWT login is not supported with MAS",
          "password_providers", "password provider modules are not supported with MAS",
          "enable_registration_captcha", "configure a captcha in spec.auth.mas.additionalConfig",
          "login_via_existing_session", "MAS handles device sign-in (QR login)",
          "refresh_token_lifetime", "token lifetimes are set in MAS",
          "nonrefreshable_access_token_lifetime", "token lifetimes are set in MAS",
          "session_lifetime", "session lifetimes are set in MAS",
          "enable_3pid_changes", "email changes are handled by MAS");

  /** MAS config.yaml keys the operator always sets itself. */
  public static final Map<String, String> MAS_OWNED =
      table(
          "matrix", "wired to Synapse by the operator",
          "secrets", "generated and kept by the operator",
          "database", "set spec.database.mas",
          "http", "set spec.auth.mas.publicBaseUrl; listeners are rendered by the operator",
          "upstream_oauth2.providers", "set spec.auth.upstreamProviders",
          "passwords.enabled", "set spec.auth.mas.passwordLogin",
          "account.password_registration_enabled",
              "set spec.auth.mas.registration.passwordRegistration",
          "account.password_registration_email_required",
              "set spec.auth.mas.registration.emailRequired",
          "account.registration_token_required", "set spec.auth.mas.registration.tokenRequired",
          "email", "set spec.homeserver.email",
          "templates", "the template paths point into the installed MAS",
          "policy.wasm_module", "the policy path points into the installed MAS");

  /** MAS config.yaml keys the operator sets itself when accounts move from Synapse (syn2mas). */
  public static final Map<String, String> MAS_OWNED_SYN2MAS =
      table(
          "passwords.schemes",
          "with migration.strategy syn2mas, scheme 1 is bcrypt with Synapse's pepper (the"
              + " passwords that came from Synapse) and scheme 2 argon2id");

  /** Keys of one MAS upstream provider entry the operator sets from the typed spec. */
  public static final Map<String, String> MAS_PROVIDER_OWNED =
      table(
          "id", "set id",
          "issuer", "set issuer",
          "client_id", "set clientId",
          "client_secret", "set clientSecret (a reference, never the value)",
          "client_secret_file", "set clientSecret",
          "token_endpoint_auth_method", "set tokenEndpointAuthMethod",
          "scope", "set scopes",
          "synapse_idp_id", "set synapseIdpId",
          "claims_imports", "set claims",
          "fetch_userinfo", "set fetchUserinfo",
          "human_name", "set name");

  private static Map<String, String> table(String... keyAndAdvice) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keyAndAdvice.length; i += 2) {
      map.put(keyAndAdvice[i], keyAndAdvice[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }
}
