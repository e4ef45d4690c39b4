package mxstack.standalone.it;

import static mxstack.standalone.it.LocalStack.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
    stack.register("alice", "correct horse battery staple");

    for (String base : new String[] {stack.synapseUrl(""), stack.routerUrl("")}) {
      HttpResponse<String> login =
          stack.passwordLogin(base, "alice", "correct horse battery staple");
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

    HttpResponse<String> wrong =
        stack.passwordLogin(stack.routerUrl(""), "alice", "wrong password");
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
}
