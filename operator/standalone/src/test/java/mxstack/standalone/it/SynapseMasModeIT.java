package mxstack.standalone.it;

import static mxstack.standalone.it.LocalStack.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.Planner;
import mxstack.core.render.RouterConfigRenderer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The MAS-mode plan on the real programs: Synapse (pinned, from PyPI) started with the rendered
 * homeserver.yaml against a real PostgreSQL, and nginx with the rendered router config.
 *
 * <p>MAS itself cannot be installed on this machine, so a small HTTP listener on MAS's port stands
 * in for it: it records the paths it receives and answers with a marker. It proves where the router
 * sends each request; it does not pretend to be MAS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SynapseMasModeIT {

  static final String SPEC =
      """
      apiVersion: mxstack.internal/v1alpha1
      kind: MatrixDeployment
      metadata:
        name: it-mas
      spec:
        serverName: mx.test
        homeserver:
          publicBaseUrl: https://matrix.mx.test
        auth:
          mode: mas
          mas:
            publicBaseUrl: https://matrix.mx.test/
        database:
          synapse:
            host: ${PG_HOST}
            port: ${PG_PORT}
            name: ${DATABASE}
            user: ${PG_USER}
            sslMode: disable
            password:
              file: ${PASSWORD_FILE}
          mas:
            host: ${PG_HOST}
            port: ${PG_PORT}
            name: ${DATABASE}
            user: ${PG_USER}
            sslMode: disable
            schema: mas
            password:
              file: ${PASSWORD_FILE}
      """;

  static final String MAS_MARKER = "answered-by-the-mas-port";

  final ObjectMapper json = new ObjectMapper();
  final List<String> masPaths = new CopyOnWriteArrayList<>();
  LocalStack stack;
  HttpServer fakeMas;
  Process synapse;

  @BeforeAll
  void startSynapse() throws Exception {
    stack = new LocalStack("mas");
    stack.plan(SPEC);
    stack.apply();
    fakeMas =
        HttpServer.create(new InetSocketAddress("127.0.0.1", stack.target.ports().masWeb()), 0);
    fakeMas.createContext(
        "/",
        exchange -> {
          masPaths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
          byte[] body = MAS_MARKER.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    fakeMas.start();
    synapse = stack.start(Planner.SYNAPSE);
    stack.awaitHttpOk(stack.synapseUrl("/health"), synapse, Duration.ofSeconds(180));
  }

  @AfterAll
  void stop() throws Exception {
    if (fakeMas != null) {
      fakeMas.stop(0);
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void synapseIsHealthyAndServesTheClientApi() throws Exception {
    HttpResponse<String> health = stack.get(stack.synapseUrl("/health"));
    assertStatus(200, health, "/health");
    assertEquals("OK", health.body());
    HttpResponse<String> versions = stack.get(stack.synapseUrl("/_matrix/client/versions"));
    assertStatus(200, versions, "/_matrix/client/versions");
    assertTrue(json.readTree(versions.body()).get("versions").size() > 0);
  }

  @Test
  void masDelegationIsActiveAndTheSharedSecretIsWired() throws Exception {
    String secret = stack.secret(GeneratedSecrets.MAS_SYNAPSE_SHARED.name());
    HttpResponse<String> withSecret = localpartProbe(secret);
    assertStatus(400, withSecret, "is_localpart_available with the shared secret, no localpart");
    HttpResponse<String> wrongSecret = localpartProbe("not-" + secret);
    assertStatus(403, wrongSecret, "is_localpart_available with a wrong secret");
  }

  private HttpResponse<String> localpartProbe(String secret) throws Exception {
    return stack.send(
        HttpRequest.newBuilder(URI.create(stack.synapseUrl("/_synapse/mas/is_localpart_available")))
            .header("Authorization", "Bearer " + secret)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build());
  }

  /**
   * With MAS on, Synapse does not register its login servlets at all: the login flows clients see
   * (m.login.sso with oauth_aware_preferred) come from MAS's compatibility layer, which the router
   * sends /login to. That advertisement is asserted against a real MAS in {@link MasWiringIT}.
   */
  @Test
  void synapseLeavesLoginToMas() throws Exception {
    HttpResponse<String> response = stack.get(stack.synapseUrl("/_matrix/client/v3/login"));
    assertStatus(404, response, "Synapse's own GET /_matrix/client/v3/login");
    assertTrue(response.body().contains("M_UNRECOGNIZED"), response.body());
    assertFalse(response.body().contains("m.login.password"), response.body());
  }

  @Test
  void nginxAcceptsTheRenderedRouterConfig() throws Exception {
    LocalStack.ProcessResult result =
        LocalStack.run(
            List.of(
                LocalStack.nginx(),
                "-t",
                "-e",
                "stderr",
                "-c",
                stack.target.configPath(RouterConfigRenderer.NGINX_CONF)));
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("syntax is ok"), result.output());
  }

  @Test
  void routerSendsCompatPathsToMasAndTheRestToSynapse() throws Exception {
    Process router = stack.start(Planner.ROUTER);
    stack.awaitHttpOk(stack.routerUrl("/health"), router, Duration.ofSeconds(30));

    HttpResponse<String> versions = stack.get(stack.routerUrl("/_matrix/client/versions"));
    assertStatus(200, versions, "versions through the router");
    assertTrue(versions.body().contains("\"versions\""), versions.body());

    masPaths.clear();
    assertReachesMas(get("/_matrix/client/v3/login"), "GET /_matrix/client/v3/login");
    assertReachesMas(post("/_matrix/client/v3/login"), "POST /_matrix/client/v3/login");
    assertReachesMas(post("/_matrix/client/v3/logout"), "POST /_matrix/client/v3/logout");
    assertReachesMas(post("/_matrix/client/v3/logout/all"), "POST /_matrix/client/v3/logout/all");
    assertReachesMas(post("/_matrix/client/v3/refresh"), "POST /_matrix/client/v3/refresh");
    assertReachesMas(get("/_matrix/client/r0/login"), "GET /_matrix/client/r0/login");
    assertReachesMas(get("/"), "GET /");
    assertEquals(
        List.of(
            "GET /_matrix/client/v3/login",
            "POST /_matrix/client/v3/login",
            "POST /_matrix/client/v3/logout",
            "POST /_matrix/client/v3/logout/all",
            "POST /_matrix/client/v3/refresh",
            "GET /_matrix/client/r0/login",
            "GET /"),
        masPaths);

    masPaths.clear();
    HttpResponse<String> sync = get("/_matrix/client/v3/sync");
    assertEquals(401, sync.statusCode(), "sync without a token is Synapse's 401: " + sync.body());
    assertTrue(sync.body().contains("M_MISSING_TOKEN"), sync.body());
    HttpResponse<String> health = get("/health");
    assertEquals("OK", health.body());
    assertEquals(List.of(), masPaths, "Synapse paths must not reach MAS");

    HttpResponse<String> client = get("/.well-known/matrix/client");
    assertStatus(200, client, "/.well-known/matrix/client");
    assertEquals(
        "https://matrix.mx.test",
        json.readTree(client.body()).path("m.homeserver").path("base_url").asText());
    assertEquals("application/json", client.headers().firstValue("Content-Type").orElse(""));
    HttpResponse<String> server = get("/.well-known/matrix/server");
    assertEquals("matrix.mx.test:443", json.readTree(server.body()).path("m.server").asText());
  }

  private void assertReachesMas(HttpResponse<String> response, String what) {
    assertEquals(200, response.statusCode(), what + ": " + response.body());
    assertEquals(MAS_MARKER, response.body(), what + " must reach the MAS upstream");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return stack.get(stack.routerUrl(path));
  }

  private HttpResponse<String> post(String path) throws Exception {
    return stack.send(
        HttpRequest.newBuilder(URI.create(stack.routerUrl(path)))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build());
  }
}
