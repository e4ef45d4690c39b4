package mxstack.standalone.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client asks the homeserver, and the probe of Synapse's MAS API with the shared secret:
 * each answer judged as {@code mas-cli doctor} does (whoami with a made-up token: 401, 503 when
 * Synapse cannot reach MAS; the MAS API with the secret and no localpart: 400, 403 for a wrong
 * secret, 404 when delegation is off).
 */
final class SynapseChecks {

  private final Hints hints;
  private final URI base;

  SynapseChecks(Hints hints, URI base) {
    this.hints = hints;
    this.base = base;
  }

  CheckResult versions(Exchange e) {
    String name = Doctor.CLIENT_VERSIONS;
    CheckResult unanswered = unanswered(name, e);
    if (unanswered != null) {
      return unanswered;
    }
    JsonNode versions = e.status() == 200 && e.json() != null ? e.json().path("versions") : null;
    if (versions == null || !versions.isArray() || versions.isEmpty()) {
      return CheckResult.fail(
          name,
          e.seen(),
          "this is not Synapse's answer: the reverse proxy must send /_matrix to Synapse");
    }
    return CheckResult.pass(
        name,
        e.request() + ": 200, spec versions up to " + versions.get(versions.size() - 1).asText());
  }

  /** The issuer in an auth_metadata answer, or null. */
  static String issuer(Exchange e) {
    JsonNode json = e.status() == 200 ? e.json() : null;
    return json != null && json.path("issuer").isTextual() ? json.get("issuer").asText() : null;
  }

  CheckResult authMetadata(Exchange e, boolean legacy, String wellKnownIssuer) {
    String name = Doctor.AUTH_METADATA;
    CheckResult unanswered = unanswered(name, e);
    if (unanswered != null) {
      return unanswered;
    }
    if (legacy && e.status() == 404) {
      return CheckResult.warn(
          name,
          e.seen() + ": logins are Synapse's own (legacy mode), so the MAS checks are left out",
          "Element X and QR-code login need MAS: move the accounts to MAS and set"
              + " spec.auth.mode: mas (docs/spec.md, spec.migration)");
    }
    if (e.status() == 404) {
      return CheckResult.fail(
          name,
          e.seen(),
          "Synapse does not delegate logins to MAS (or a proxy sends this path elsewhere):"
              + " homeserver.yaml needs matrix_authentication_service.enabled: true, which"
              + " spec.auth.mode: mas renders");
    }
    if (e.status() != 200) {
      // Synapse proxies MAS's metadata: its own 5xx means it could not get them.
      return CheckResult.fail(
          name,
          e.seen() + " (Synapse could not get MAS's metadata)",
          hints.synapseCannotReachMas());
    }
    String issuer = issuer(e);
    if (issuer == null) {
      return CheckResult.fail(
          name,
          e.request() + ": 200 but no issuer",
          "MAS's metadata are incomplete: see MAS's log");
    }
    String seen = e.request() + ": 200, issuer " + issuer;
    if (!issuer.startsWith("https://")) {
      return CheckResult.warn(
          name,
          seen,
          "the issuer is not https, so Element X offers no OIDC login: set"
              + " spec.auth.mas.publicBaseUrl to the public https URL");
    }
    if (wellKnownIssuer != null && !wellKnownIssuer.equals(issuer)) {
      return CheckResult.warn(
          name,
          seen + ", but the client well-known names issuer " + wellKnownIssuer,
          "older clients use the well-known's org.matrix.msc2965.authentication: make it name "
              + issuer
              + " or drop it");
    }
    if (!e.json().path("device_authorization_endpoint").isTextual()) {
      return CheckResult.warn(
          name,
          seen + ", no device_authorization_endpoint",
          "QR-code login needs MAS's device-code grant, which these metadata do not offer:"
              + " upgrade MAS");
    }
    return CheckResult.pass(name, seen);
  }

  CheckResult loginFlows(Exchange e, boolean legacy) {
    String name = Doctor.LOGIN_FLOWS;
    if (!e.answered()) {
      return CheckResult.fail(name, e.seen(), hints.noAnswer(e));
    }
    if (proxyError(e)) {
      return CheckResult.fail(
          name,
          e.seen(),
          legacy
              ? hints.synapseBehindProxy(e)
              : "logins are answered by MAS; " + hints.masBehindProxy(e));
    }
    if (!legacy && e.status() == 404 && "M_UNRECOGNIZED".equals(e.errcode())) {
      return CheckResult.fail(
          name,
          e.seen() + " (Synapse answered: it has no login of its own with MAS)",
          "the reverse proxy must send /_matrix/client/*/login, /logout and /refresh to MAS's"
              + " compatibility layer");
    }
    JsonNode flows = e.status() == 200 && e.json() != null ? e.json().path("flows") : null;
    if (flows == null || !flows.isArray()) {
      return CheckResult.fail(
          name, e.seen(), "no login flows: clients cannot log in; see the proxy's and MAS's log");
    }
    List<String> types = new ArrayList<>();
    boolean preferred = false;
    for (JsonNode flow : flows) {
      String type = flow.path("type").asText();
      boolean oauth = flow.path("oauth_aware_preferred").asBoolean(false);
      preferred |= type.equals("m.login.sso") && oauth;
      types.add(oauth ? type + " (oauth_aware_preferred)" : type);
    }
    String seen =
        e.request() + ": 200, " + (types.isEmpty() ? "no flows" : String.join(", ", types));
    if (legacy) {
      return types.isEmpty()
          ? CheckResult.fail(name, seen, "nobody can log in: enable password login or a provider")
          : CheckResult.pass(name, seen);
    }
    if (!preferred) {
      return CheckResult.fail(
          name,
          seen,
          "these flows do not come from MAS (no m.login.sso with oauth_aware_preferred), so"
              + " clients will not use OIDC: send /_matrix/client/*/login to MAS");
    }
    return CheckResult.pass(name, seen);
  }

  CheckResult whoami(Exchange e, boolean legacy) {
    String name = Doctor.WHOAMI;
    CheckResult unanswered = unanswered(name, e);
    if (unanswered != null) {
      return unanswered;
    }
    String seen = "GET " + e.uri() + " with a made-up token: " + e.summary();
    return switch (e.status()) {
      case 401 ->
          CheckResult.pass(
              name,
              seen
                  + (legacy
                      ? " (Synapse rejected it)"
                      : " (Synapse asked MAS, which rejected it: tokens are checked)"));
      case 503 ->
          CheckResult.fail(
              name,
              seen + " (Synapse cannot check tokens with MAS)",
              hints.synapseCannotReachMas());
      case 200 ->
          CheckResult.fail(
              name,
              seen,
              "a token nobody issued was accepted: find what answers this path instead of"
                  + " Synapse, and take it out of the way");
      default ->
          CheckResult.fail(
              name,
              seen,
              "Synapse should answer 401; its log says why it did not"
                  + (legacy ? "" : " (and " + hints.synapseCannotReachMas() + ")"));
    };
  }

  /** The MAS API probe on Synapse's own listener, with the secret from {@code file}. */
  static CheckResult sharedSecret(Exchange e, Path file, Hints hints) {
    String name = Doctor.SHARED_SECRET;
    String seen = "GET " + e.uri() + " with the secret from " + file + ": " + e.summary();
    if (!e.answered()) {
      return CheckResult.fail(name, seen, hints.processDown("Synapse", e, null));
    }
    return switch (e.status()) {
      case 400 -> CheckResult.pass(name, seen + " (the secret is accepted)");
      case 403 ->
          CheckResult.fail(
              name,
              seen + " (Synapse rejects the secret)",
              "Synapse read its shared secret when it started and "
                  + file
                  + " no longer holds it (edited, or restored from another backup?): restart the"
                  + " app so that Synapse and MAS read the same file again, and never edit it by"
                  + " hand");
      case 404 ->
          CheckResult.fail(
              name,
              seen + " (Synapse's MAS API is off)",
              "homeserver.yaml needs matrix_authentication_service.enabled: true (spec.auth.mode:"
                  + " mas); restart the app after fixing it");
      default ->
          CheckResult.fail(
              name,
              seen,
              "Synapse should answer 400 here (no localpart given); its log says why not");
    };
  }

  CheckResult rendezvous(Exchange e) {
    String name = Doctor.QR_RENDEZVOUS;
    CheckResult unanswered = unanswered(name, e);
    if (unanswered != null) {
      return unanswered;
    }
    if (e.status() == 404) {
      return CheckResult.fail(
          name,
          e.seen() + " (QR-code login is off)",
          "Synapse serves the rendezvous only with experimental_features.msc4108_enabled: true,"
              + " which mxstack renders in mas mode: do not turn it off in"
              + " spec.homeserver.additionalConfig");
    }
    JsonNode json = e.status() == 201 ? e.json() : null;
    if (json == null || !json.path("url").isTextual()) {
      return CheckResult.fail(
          name,
          e.seen(),
          "Synapse should create a session (201 with its url); its log says why not");
    }
    String url = json.get("url").asText();
    String seen = e.request() + ": 201, session at " + url + "";
    if (!url.startsWith(base + "/")) {
      return CheckResult.warn(
          name,
          seen,
          "the session is not under the public base URL "
              + base
              + ", so a phone on another network cannot reach it: check Synapse's public_baseurl"
              + " (spec.homeserver.publicBaseUrl)");
    }
    return CheckResult.pass(name, seen);
  }

  /** A failure when Synapse gave no answer of its own (nothing, or a proxy's error), else null. */
  private CheckResult unanswered(String name, Exchange e) {
    if (!e.answered()) {
      return CheckResult.fail(name, e.seen(), hints.noAnswer(e));
    }
    if (proxyError(e)) {
      return CheckResult.fail(name, e.seen(), hints.synapseBehindProxy(e));
    }
    return null;
  }

  /**
   * Whether a 502/503/504 came from a proxy (an HTML or empty body) rather than from Synapse (a
   * Matrix error in JSON).
   */
  static boolean proxyError(Exchange e) {
    int s = e.status();
    return (s == 502 || s == 503 || s == 504) && e.errcode() == null;
  }
}
