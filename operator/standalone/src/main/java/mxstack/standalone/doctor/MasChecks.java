package mxstack.standalone.doctor;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * MAS itself: its OpenID discovery document at the issuer (what clients and Synapse load) and its
 * health endpoint on the internal listener (which also checks its database).
 */
final class MasChecks {

  private final Hints hints;

  MasChecks(Hints hints) {
    this.hints = hints;
  }

  /**
   * @param advertised the issuer Synapse advertises, or null when auth_metadata gave none
   * @param origin where the issuer that was asked came from, for the message
   */
  CheckResult discovery(Exchange e, String advertised, String origin) {
    String name = Doctor.MAS_DISCOVERY;
    String seen = e.seen() + (advertised == null ? " (" + origin + ")" : "");
    if (!e.answered()) {
      return CheckResult.fail(name, seen, hints.noAnswer(e));
    }
    if (SynapseChecks.proxyError(e)) {
      return CheckResult.fail(name, seen, hints.masBehindProxy(e));
    }
    JsonNode json = e.status() == 200 ? e.json() : null;
    if (json == null || !json.path("issuer").isTextual()) {
      return CheckResult.fail(
          name,
          seen,
          "this is not MAS's discovery document: the reverse proxy must send"
              + " /.well-known/openid-configuration of the issuer's host to MAS (its discovery"
              + " resource)");
    }
    String issuer = json.get("issuer").asText();
    if (advertised != null && !advertised.equals(issuer)) {
      return CheckResult.fail(
          name,
          e.request() + ": 200, issuer " + issuer + ", but Synapse advertises " + advertised,
          "clients reject tokens whose issuer differs from the advertised one: make"
              + " spec.auth.mas.publicBaseUrl the URL MAS is served at");
    }
    return CheckResult.pass(name, e.request() + ": 200, issuer " + issuer);
  }

  CheckResult health(Exchange e) {
    String name = Doctor.MAS_HEALTH;
    if (!e.answered()) {
      return CheckResult.fail(name, e.seen(), hints.processDown("MAS", e, hints.masState()));
    }
    if (e.status() == 200) {
      return CheckResult.pass(name, e.seen() + " (MAS runs and reaches its database)");
    }
    if (e.status() < 500) {
      return CheckResult.fail(
          name,
          e.seen(),
          "this is not MAS's health endpoint: MAS's internal listener needs the health resource"
              + " (mxstack renders it; check spec.auth.mas.additionalConfig for http.listeners)");
    }
    return CheckResult.fail(
        name,
        e.seen(),
        "MAS runs but its health check fails, so it cannot use its database: is PostgreSQL"
            + " reachable with MAS's credentials? "
            + hints.statusCommand()
            + " and MAS's log say more");
  }
}
