package mxstack.standalone.it;

import static mxstack.standalone.it.LocalStack.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.Planner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The legacy-auth plan on the real programs: Synapse keeps its own logins. A user created with the
 * generated registration shared secret (Synapse's admin register API, as register_new_matrix_user
 * does) logs in with a password, directly and through the router.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SynapseLegacyModeIT {

  static final String SPEC =
      """
      apiVersion: mxstack.internal/v1alpha1
      kind: MatrixDeployment
      metadata:
        name: it-legacy
      spec:
        serverName: legacy.test
        homeserver:
          publicBaseUrl: https://matrix.legacy.test
        auth:
          mode: legacy
        database:
          synapse:
            host: ${PG_HOST}
            port: ${PG_PORT}
            name: ${DATABASE}
            user: ${PG_USER}
            sslMode: disable
            password:
              file: ${PASSWORD_FILE}
      """;

  final ObjectMapper json = new ObjectMapper();
  LocalStack stack;

  @BeforeAll
  void start() throws Exception {
    stack = new LocalStack("legacy");
    stack.plan(SPEC);
    stack.apply();
    Process synapse = stack.start(Planner.SYNAPSE);
    stack.awaitHttpOk(stack.synapseUrl("/health"), synapse, Duration.ofSeconds(180));
    Process router = stack.start(Planner.ROUTER);
    stack.awaitHttpOk(stack.routerUrl("/health"), router, Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void registeredUserLogsInWithPassword() throws Exception {
    register("alice", "correct horse battery staple");

    for (String base : new String[] {stack.synapseUrl(""), stack.routerUrl("")}) {
      HttpResponse<String> login = login(base, "alice", "correct horse battery staple");
      assertStatus(200, login, "password login at " + base);
      JsonNode body = json.readTree(login.body());
      assertEquals("@alice:legacy.test", body.path("user_id").asText());
      String token = body.path("access_token").asText();
      HttpResponse<String> whoami =
          stack.send(
              HttpRequest.newBuilder(URI.create(base + "/_matrix/client/v3/account/whoami"))
                  .header("Authorization", "Bearer " + token)
                  .GET()
                  .build());
      assertStatus(200, whoami, "whoami with the new token");
      assertEquals("@alice:legacy.test", json.readTree(whoami.body()).path("user_id").asText());
    }

    HttpResponse<String> wrong = login(stack.routerUrl(""), "alice", "wrong password");
    assertStatus(403, wrong, "login with a wrong password");
  }

  @Test
  void loginFlowsOfferPasswordsAndNoMasDelegation() throws Exception {
    HttpResponse<String> flows = stack.get(stack.routerUrl("/_matrix/client/v3/login"));
    assertStatus(200, flows, "login flows");
    assertTrue(flows.body().contains("m.login.password"), flows.body());
    HttpResponse<String> mas = stack.get(stack.synapseUrl("/_synapse/mas/is_localpart_available"));
    assertEquals(404, mas.statusCode(), "the MAS API must be off in legacy mode: " + mas.body());
    assertFalse(stack.plan.process(Planner.MAS).isPresent(), "no MAS process in legacy mode");
  }

  private void register(String user, String password) throws Exception {
    String url = stack.synapseUrl("/_synapse/admin/v1/register");
    String nonce = json.readTree(stack.get(url).body()).path("nonce").asText();
    assertFalse(nonce.isEmpty(), "no registration nonce");
    String secret = stack.secret(GeneratedSecrets.SYNAPSE_REGISTRATION.name());
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    String message = nonce + "\0" + user + "\0" + password + "\0notadmin";
    String digest = HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    ObjectNode body = json.createObjectNode();
    body.put("nonce", nonce);
    body.put("username", user);
    body.put("password", password);
    body.put("admin", false);
    body.put("mac", digest);
    HttpResponse<String> response =
        stack.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build());
    assertStatus(200, response, "shared-secret registration");
  }

  private HttpResponse<String> login(String base, String user, String password) throws Exception {
    ObjectNode body = json.createObjectNode();
    body.put("type", "m.login.password");
    body.putObject("identifier").put("type", "m.id.user").put("user", user);
    body.put("password", password);
    return stack.send(
        HttpRequest.newBuilder(URI.create(base + "/_matrix/client/v3/login"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build());
  }
}
