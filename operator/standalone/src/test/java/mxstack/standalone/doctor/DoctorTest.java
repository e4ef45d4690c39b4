package mxstack.standalone.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The doctor's judgement of what a deployment answers. A loopback server plays the deployment with
 * the answers the real Synapse 1.163, MAS 1.22 and nginx give (recorded from the local stack),
 * reached through {@code --via} as in the container; DoctorIT runs the same against the real
 * programs.
 */
class DoctorTest {

  static final String MAS_ENDPOINT = "http://127.0.0.1:1/";
  static final String SECRET = "the-shared-secret";

  record Canned(int status, String body, Map<String, String> headers) {}

  final Map<String, Canned> answers = new ConcurrentHashMap<>();
  final ObjectMapper json = new ObjectMapper();
  HttpServer server;
  @TempDir Path dir;
  Path secretFile;
  String synapseSecret = SECRET;

  @BeforeEach
  void start() throws Exception {
    secretFile = dir.resolve("mas-synapse-shared-secret");
    Files.writeString(secretFile, SECRET + "\n");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
    healthy();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** What a working MAS-mode deployment at https://matrix.sup.test (server name sup.test) says. */
  void healthy() {
    answers.clear();
    json(
        "GET sup.test /.well-known/matrix/client",
        200,
        "{\"m.homeserver\": {\"base_url\": \"https://matrix.sup.test\"}}");
    json("GET sup.test /.well-known/matrix/server", 200, "{\"m.server\": \"matrix.sup.test:443\"}");
    json(
        "GET matrix.sup.test /_matrix/client/versions",
        200,
        "{\"versions\": [\"r0.6.1\", \"v1.15\"]}");
    json(
        "GET matrix.sup.test /_matrix/client/v1/auth_metadata",
        200,
        "{\"issuer\": \"https://matrix.sup.test/\", \"device_authorization_endpoint\":"
            + " \"https://matrix.sup.test/oauth2/device\"}");
    json(
        "GET matrix.sup.test /_matrix/client/v3/login",
        200,
        "{\"flows\": [{\"type\": \"m.login.password\"}, {\"type\": \"m.login.sso\","
            + " \"oauth_aware_preferred\": true}, {\"type\": \"m.login.token\"}]}");
    json(
        "GET matrix.sup.test /_matrix/client/v3/account/whoami",
        401,
        "{\"errcode\": \"M_UNKNOWN_TOKEN\", \"error\": \"Token is not active\"}");
    json(
        "GET matrix.sup.test /.well-known/openid-configuration",
        200,
        "{\"issuer\": \"https://matrix.sup.test/\"}");
    answers.put("GET 127.0.0.1 /health", new Canned(200, "ok", Map.of()));
    json(
        "POST matrix.sup.test " + Doctor.RENDEZVOUS_PATH,
        201,
        "{\"url\": \"https://matrix.sup.test/_synapse/client/rendezvous/01M8VMXBFVT795K4KB2CHTX72D\"}");
    answers.put(
        "DELETE matrix.sup.test /_synapse/client/rendezvous/01M8VMXBFVT795K4KB2CHTX72D",
        new Canned(204, "", Map.of()));
  }

  void json(String key, int status, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    if (key.contains("/.well-known/matrix/")) {
      headers.put("Access-Control-Allow-Origin", "*");
    }
    answers.put(key, new Canned(status, body, headers));
  }

  void nginxBadGateway(String key) {
    answers.put(
        key,
        new Canned(
            502,
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad"
                + " Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            Map.of("Content-Type", "text/html")));
  }

  private void answer(HttpExchange exchange) throws IOException {
    String host = exchange.getRequestHeaders().getFirst("Host").replaceAll(":\\d+$", "");
    String path = exchange.getRequestURI().getPath();
    Canned canned;
    if (path.equals("/_synapse/mas/is_localpart_available")) {
      boolean ok =
          ("Bearer " + synapseSecret)
              .equals(exchange.getRequestHeaders().getFirst("Authorization"));
      canned =
          ok
              ? new Canned(
                  400, "{\"errcode\": \"M_UNKNOWN\", \"error\": \"Missing localpart\"}", Map.of())
              : new Canned(
                  403, "{\"errcode\": \"M_FORBIDDEN\", \"error\": \"Invalid token\"}", Map.of());
    } else {
      canned =
          answers.getOrDefault(
              exchange.getRequestMethod() + " " + host + " " + path,
              new Canned(
                  404,
                  "{\"errcode\": \"M_UNRECOGNIZED\", \"error\": \"Unrecognized request\"}",
                  Map.of("Content-Type", "application/json")));
    }
    byte[] body = canned.body().getBytes(StandardCharsets.UTF_8);
    canned.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    exchange.sendResponseHeaders(canned.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }

  URI loopback() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  LocalDeployment inside(String masState) {
    return inside(masState, URI.create(loopback() + "/health"));
  }

  LocalDeployment inside(String masState, URI masHealth) {
    return new LocalDeployment(
        "sup.test",
        "https://matrix.sup.test/",
        true,
        MAS_ENDPOINT,
        "https://matrix.sup.test/",
        secretFile,
        loopback(),
        masHealth,
        masState);
  }

  DoctorReport run(DoctorTarget target) {
    return new Doctor(new HttpProbe(target.via(), Duration.ofSeconds(5)), target).run();
  }

  DoctorReport runInside(String masState) {
    return runInside(inside(masState));
  }

  DoctorReport runInside(LocalDeployment local) {
    return run(
        new DoctorTarget("sup.test", URI.create("https://matrix.sup.test"), loopback(), local));
  }

  static CheckResult check(DoctorReport report, String name) {
    return report.checks().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no check " + name + " in " + report.text()));
  }

  static Map<String, CheckStatus> statuses(DoctorReport report) {
    Map<String, CheckStatus> map = new LinkedHashMap<>();
    report.checks().forEach(c -> map.put(c.name(), c.status()));
    return map;
  }

  static final List<String> ALL =
      List.of(
          Doctor.WELL_KNOWN_CLIENT,
          Doctor.WELL_KNOWN_SERVER,
          Doctor.CLIENT_VERSIONS,
          Doctor.AUTH_METADATA,
          Doctor.LOGIN_FLOWS,
          Doctor.WHOAMI,
          Doctor.SHARED_SECRET,
          Doctor.MAS_DISCOVERY,
          Doctor.MAS_HEALTH,
          Doctor.QR_RENDEZVOUS);

  @Test
  void aWorkingDeploymentPassesEveryCheck() throws Exception {
    DoctorReport report = runInside("READY");
    assertEquals(ALL, report.checks().stream().map(CheckResult::name).toList(), report.text());
    for (CheckResult c : report.checks()) {
      assertEquals(CheckStatus.PASS, c.status(), report.text());
      assertNull(c.hint(), c.toString());
    }
    assertFalse(report.failed());
    assertTrue(report.text().endsWith("10 passed, 0 warned, 0 failed\n"), report.text());
    JsonNode parsed = json.readTree(report.json());
    assertTrue(parsed.path("ok").asBoolean());
    assertEquals(10, parsed.path("checks").size());
    assertEquals("mas-shared-secret", parsed.path("checks").get(6).path("name").asText());
    assertEquals("PASS", parsed.path("checks").get(6).path("status").asText());
  }

  @Test
  void masNotRunningFailsTheChecksThatNeedItAndSaysWhy() throws Exception {
    json(
        "GET matrix.sup.test /_matrix/client/v1/auth_metadata",
        500,
        "{\"errcode\": \"M_UNKNOWN\", \"error\": \"Internal server error\"}");
    nginxBadGateway("GET matrix.sup.test /_matrix/client/v3/login");
    json(
        "GET matrix.sup.test /_matrix/client/v3/account/whoami",
        503,
        "{\"errcode\": \"M_UNKNOWN\", \"error\": \"Unable to introspect the access token\"}");
    nginxBadGateway("GET matrix.sup.test /.well-known/openid-configuration");
    DoctorReport report =
        runInside(
            inside(
                "UNAVAILABLE",
                URI.create("http://127.0.0.1:" + HttpProbeTest.deadPort() + "/health")));
    Map<String, CheckStatus> expected = new LinkedHashMap<>();
    for (String name : ALL) {
      expected.put(name, CheckStatus.PASS);
    }
    for (String name :
        List.of(
            Doctor.AUTH_METADATA,
            Doctor.LOGIN_FLOWS,
            Doctor.WHOAMI,
            Doctor.MAS_DISCOVERY,
            Doctor.MAS_HEALTH)) {
      expected.put(name, CheckStatus.FAIL);
    }
    assertEquals(expected, statuses(report), report.text());
    assertTrue(report.failed());
    CheckResult whoami = check(report, Doctor.WHOAMI);
    assertTrue(whoami.seen().contains("503"), whoami.seen());
    assertTrue(
        whoami.hint().startsWith("Synapse cannot reach MAS at " + MAS_ENDPOINT), whoami.hint());
    assertTrue(whoami.hint().contains("MAS is not installed here"), whoami.hint());
    assertTrue(
        check(report, Doctor.LOGIN_FLOWS).seen().endsWith(": 502 Bad Gateway"),
        check(report, Doctor.LOGIN_FLOWS).seen());
    assertTrue(
        check(report, Doctor.LOGIN_FLOWS)
            .hint()
            .contains("the router answers but cannot reach MAS"),
        check(report, Doctor.LOGIN_FLOWS).hint());
    assertTrue(
        check(report, Doctor.MAS_HEALTH)
            .hint()
            .matches("nothing listens at 127\\.0\\.0\\.1:\\d+: MAS is not installed here.*"),
        check(report, Doctor.MAS_HEALTH).hint());
    assertTrue(report.text().contains("FAIL  whoami-bogus-token"), report.text());
    assertTrue(report.text().contains("fix: Synapse cannot reach MAS at"), report.text());
  }

  @Test
  void aSecretSynapseDoesNotHoldIsNamedWithItsFile() {
    synapseSecret = "what-synapse-read-at-start";
    DoctorReport report = runInside("READY");
    CheckResult secret = check(report, Doctor.SHARED_SECRET);
    assertEquals(CheckStatus.FAIL, secret.status(), report.text());
    assertTrue(secret.seen().contains("403"), secret.seen());
    assertTrue(secret.hint().contains(secretFile.toString()), secret.hint());
    assertTrue(secret.hint().contains("restart the app"), secret.hint());
    assertTrue(report.failed());
  }

  @Test
  void withoutTheSecretOrTheLoopbackPortsTheInsideChecksWarnAndSayWhereToRun() {
    DoctorReport report =
        run(new DoctorTarget("sup.test", URI.create("https://matrix.sup.test"), loopback(), null));
    assertEquals(CheckStatus.WARN, check(report, Doctor.SHARED_SECRET).status(), report.text());
    assertEquals(CheckStatus.WARN, check(report, Doctor.MAS_HEALTH).status(), report.text());
    assertTrue(
        check(report, Doctor.SHARED_SECRET).hint().contains("in the app's terminal"),
        check(report, Doctor.SHARED_SECRET).hint());
    assertEquals(8, report.count(CheckStatus.PASS), report.text());
    assertFalse(report.failed(), "warnings alone do not fail: " + report.text());
  }

  @Test
  void onlyTheServerNameGivenFindsTheHomeserverThroughTheWellKnown() {
    json(
        "GET sup.test /.well-known/matrix/client",
        200,
        "{\"m.homeserver\": {\"base_url\": \"https://matrix.sup.test/\"}}");
    DoctorReport report = run(new DoctorTarget("sup.test", null, loopback(), null));
    assertEquals("https://matrix.sup.test", report.baseUrl());
    assertEquals(CheckStatus.PASS, check(report, Doctor.CLIENT_VERSIONS).status(), report.text());
    assertEquals(CheckStatus.PASS, check(report, Doctor.WELL_KNOWN_CLIENT).status(), report.text());
  }

  @Test
  void onlyTheBaseUrlGivenLearnsTheServerNameFromSynapsesKeys() {
    json(
        "GET matrix.sup.test /_matrix/key/v2/server",
        200,
        "{\"server_name\": \"sup.test\", \"verify_keys\": {}}");
    DoctorReport report =
        run(new DoctorTarget(null, URI.create("https://matrix.sup.test"), loopback(), null));
    assertEquals("sup.test", report.serverName());
    assertEquals("from Synapse's signing keys", report.serverNameSource());
    assertEquals(CheckStatus.PASS, check(report, Doctor.WELL_KNOWN_CLIENT).status(), report.text());
  }

  @Test
  void wrongWellKnownDocumentsAreNamed() {
    json(
        "GET sup.test /.well-known/matrix/client",
        200,
        "{\"m.homeserver\": {\"base_url\": \"https://old.sup.test\"}}");
    json("GET sup.test /.well-known/matrix/server", 200, "{\"m.server\": \"matrix.sup.test\"}");
    DoctorReport report = runInside("READY");
    CheckResult client = check(report, Doctor.WELL_KNOWN_CLIENT);
    assertEquals(CheckStatus.FAIL, client.status(), report.text());
    assertTrue(
        client
            .seen()
            .contains(
                "base_url https://old.sup.test, but the homeserver is https://matrix.sup.test"),
        client.seen());
    assertTrue(client.hint().startsWith("clients would go to https://old.sup.test"), client.hint());
    CheckResult server = check(report, Doctor.WELL_KNOWN_SERVER);
    assertEquals(CheckStatus.FAIL, server.status(), report.text());
    assertTrue(server.hint().contains("\"m.server\": \"matrix.sup.test:443\""), server.hint());

    // Not served at all, and the server name is not the homeserver's host: clients are lost.
    answers.remove("GET sup.test /.well-known/matrix/client");
    answers.remove("GET sup.test /.well-known/matrix/server");
    DoctorReport missing = runInside("READY");
    assertEquals(
        CheckStatus.FAIL, check(missing, Doctor.WELL_KNOWN_CLIENT).status(), missing.text());
    assertTrue(
        check(missing, Doctor.WELL_KNOWN_CLIENT).hint().contains("cannot find the homeserver"),
        missing.text());
    assertEquals(
        CheckStatus.WARN, check(missing, Doctor.WELL_KNOWN_SERVER).status(), missing.text());
  }

  @Test
  void aLegacyDeploymentSeenFromOutsideLeavesTheMasChecksOut() {
    answers.remove("GET matrix.sup.test /_matrix/client/v1/auth_metadata");
    json(
        "GET matrix.sup.test /_matrix/client/v3/login",
        200,
        "{\"flows\": [{\"type\": \"m.login.password\"}]}");
    json(
        "GET matrix.sup.test /_matrix/client/v3/account/whoami",
        401,
        "{\"errcode\": \"M_UNKNOWN_TOKEN\", \"error\": \"Invalid access token passed.\"}");
    DoctorReport report =
        run(new DoctorTarget("sup.test", URI.create("https://matrix.sup.test"), loopback(), null));
    // The six checks a client's view needs; those that only make sense with MAS are left out.
    assertEquals(
        ALL.subList(0, 6), report.checks().stream().map(CheckResult::name).toList(), report.text());
    assertEquals(CheckStatus.WARN, check(report, Doctor.AUTH_METADATA).status(), report.text());
    assertTrue(check(report, Doctor.AUTH_METADATA).seen().contains("legacy mode"), report.text());
    assertFalse(report.failed(), report.text());
  }

  @Test
  void aDeploymentThatShouldUseMasButAnswersLikeLegacyFails() {
    answers.remove("GET matrix.sup.test /_matrix/client/v1/auth_metadata");
    answers.remove("GET matrix.sup.test /_matrix/client/v3/login");
    DoctorReport report = runInside("READY");
    assertEquals(CheckStatus.FAIL, check(report, Doctor.AUTH_METADATA).status(), report.text());
    CheckResult flows = check(report, Doctor.LOGIN_FLOWS);
    assertEquals(CheckStatus.FAIL, flows.status(), report.text());
    assertTrue(flows.hint().contains("must send /_matrix/client/*/login"), flows.hint());
  }

  @Test
  void aRendezvousOffAndAnHttpIssuerAreNamed() {
    answers.remove("POST matrix.sup.test " + Doctor.RENDEZVOUS_PATH);
    json(
        "GET matrix.sup.test /_matrix/client/v1/auth_metadata",
        200,
        "{\"issuer\": \"http://matrix.sup.test/\", \"device_authorization_endpoint\": \"x\"}");
    DoctorReport report = runInside("READY");
    CheckResult qr = check(report, Doctor.QR_RENDEZVOUS);
    assertEquals(CheckStatus.FAIL, qr.status(), report.text());
    assertTrue(qr.hint().contains("msc4108_enabled"), qr.hint());
    CheckResult metadata = check(report, Doctor.AUTH_METADATA);
    assertEquals(CheckStatus.WARN, metadata.status(), report.text());
    assertTrue(metadata.hint().contains("spec.auth.mas.publicBaseUrl"), metadata.hint());
    // MAS's own document names the https issuer, not the one Synapse advertises.
    CheckResult discovery = check(report, Doctor.MAS_DISCOVERY);
    assertEquals(CheckStatus.FAIL, discovery.status(), report.text());
    assertTrue(
        discovery.seen().contains("but Synapse advertises http://matrix.sup.test/"),
        discovery.seen());
  }
}
