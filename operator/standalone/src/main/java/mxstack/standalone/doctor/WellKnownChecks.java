package mxstack.standalone.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * The discovery documents at the server name's host: {@code /.well-known/matrix/client} (how a
 * client that types the server name finds the homeserver) and {@code /.well-known/matrix/server}
 * (how other servers find it for federation, with an explicit port).
 */
final class WellKnownChecks {

  private static final Pattern EXPLICIT_PORT = Pattern.compile(".+:\\d{1,5}");

  private final Hints hints;
  private final String serverHost;
  private final URI expectedBase;
  private URI discoveredBase;
  private String advertisedIssuer;

  /**
   * @param expectedBase the homeserver's base URL when known (given, or the app's origin), else
   *     null: then the document decides it
   */
  WellKnownChecks(Hints hints, String serverHost, URI expectedBase) {
    this.hints = hints;
    this.serverHost = serverHost;
    this.expectedBase = expectedBase;
  }

  /** The base URL the client document names, when it is usable. */
  URI discoveredBase() {
    return discoveredBase;
  }

  /** The issuer the client document names (the older MSC2965 key), or null. */
  String advertisedIssuer() {
    return advertisedIssuer;
  }

  CheckResult client(Exchange e) {
    String name = Doctor.WELL_KNOWN_CLIENT;
    String serveIt =
        "serve {\"m.homeserver\": {\"base_url\": \""
            + (expectedBase != null ? expectedBase : "https://<homeserver host>")
            + "\"}} at https://"
            + serverHost
            + "/.well-known/matrix/client (spec.wellKnown.enabled with "
            + serverHost
            + " routed to the router, or copy the document to the web server of "
            + serverHost
            + ")";
    if (!e.answered()) {
      return CheckResult.fail(
          name,
          e.seen(),
          "clients that are given the server name "
              + serverHost
              + " cannot find the homeserver; "
              + hints.noAnswer(e));
    }
    boolean sameHost = expectedBase != null && expectedBase.getHost().equalsIgnoreCase(serverHost);
    if (e.status() == 404) {
      if (sameHost) {
        return CheckResult.pass(
            name,
            e.seen()
                + " (clients then use https://"
                + serverHost
                + " itself, which is the homeserver)");
      }
      return CheckResult.fail(
          name,
          e.seen(),
          "clients that are given the server name "
              + serverHost
              + " cannot find the homeserver: "
              + serveIt);
    }
    if (e.status() / 100 == 3) {
      return CheckResult.warn(
          name,
          e.seen() + " to " + e.response().header("location"),
          "some clients do not follow redirects here: " + serveIt);
    }
    if (e.status() != 200) {
      return CheckResult.fail(name, e.seen(), "clients treat this as an error: " + serveIt);
    }
    JsonNode json = e.json();
    JsonNode baseNode = json == null ? null : json.path("m.homeserver").path("base_url");
    if (baseNode == null || !baseNode.isTextual() || baseNode.asText().isBlank()) {
      return CheckResult.fail(
          name,
          e.request()
              + ": 200 but "
              + (json == null ? "not JSON" : "no m.homeserver.base_url")
              + ": "
              + abbreviate(e.response().body()),
          serveIt);
    }
    String baseUrl = baseNode.asText();
    JsonNode issuer = json.path("org.matrix.msc2965.authentication").path("issuer");
    if (issuer.isTextual()) {
      advertisedIssuer = issuer.asText();
    }
    URI named;
    try {
      named = DoctorTarget.baseUrl(baseUrl);
    } catch (IllegalArgumentException bad) {
      return CheckResult.fail(name, e.request() + ": base_url " + baseUrl + " is no URL", serveIt);
    }
    if (expectedBase != null && !DoctorTarget.sameUrl(expectedBase, baseUrl)) {
      return CheckResult.fail(
          name,
          e.request() + ": base_url " + baseUrl + ", but the homeserver is " + expectedBase,
          "clients would go to "
              + baseUrl
              + ": "
              + serveIt
              + "; if the document is right, check spec.homeserver.publicBaseUrl");
    }
    discoveredBase = named;
    String seen = e.request() + ": 200, base_url " + baseUrl;
    if (!"https".equals(named.getScheme())) {
      return CheckResult.warn(
          name,
          seen,
          "clients such as Element X refuse a homeserver without https: make base_url https");
    }
    if (!"*".equals(e.response().header("access-control-allow-origin"))) {
      return CheckResult.warn(
          name,
          seen + ", no Access-Control-Allow-Origin: *",
          "web clients (Element Web) cannot read the document from the browser: add the header"
              + " Access-Control-Allow-Origin: * where it is served");
    }
    return CheckResult.pass(name, seen);
  }

  CheckResult server(Exchange e) {
    String name = Doctor.WELL_KNOWN_SERVER;
    String port = expectedBase == null ? "443" : String.valueOf(portOf(expectedBase));
    String host = expectedBase == null ? "<homeserver host>" : expectedBase.getHost();
    String serveIt =
        "serve {\"m.server\": \""
            + host
            + ":"
            + port
            + "\"} at https://"
            + serverHost
            + "/.well-known/matrix/server (spec.wellKnown, or copy the document there)";
    if (!e.answered()) {
      return CheckResult.fail(
          name, e.seen(), "other servers cannot reach " + serverHost + ": " + hints.noAnswer(e));
    }
    if (e.status() == 404) {
      return CheckResult.warn(
          name,
          e.seen(),
          "other servers then look for SRV records and port 8448 of "
              + serverHost
              + "; if this server federates, "
              + serveIt);
    }
    if (e.status() != 200) {
      return CheckResult.fail(name, e.seen(), "other servers cannot federate with it: " + serveIt);
    }
    JsonNode json = e.json();
    JsonNode server = json == null ? null : json.path("m.server");
    if (server == null || !server.isTextual()) {
      return CheckResult.fail(
          name,
          e.request()
              + ": 200 but "
              + (json == null ? "not JSON" : "no m.server")
              + ": "
              + abbreviate(e.response().body()),
          serveIt);
    }
    String seen = e.request() + ": 200, m.server " + server.asText();
    if (!EXPLICIT_PORT.matcher(server.asText()).matches()) {
      return CheckResult.fail(
          name,
          seen + " (no port)",
          "without a port other servers connect to port 8448: " + serveIt);
    }
    return CheckResult.pass(name, seen);
  }

  private static int portOf(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "http".equals(uri.getScheme()) ? 80 : 443;
  }

  private static String abbreviate(String text) {
    String flat = text.replaceAll("\\s+", " ").strip();
    return flat.length() > 100 ? flat.substring(0, 100) + "..." : flat;
  }
}
