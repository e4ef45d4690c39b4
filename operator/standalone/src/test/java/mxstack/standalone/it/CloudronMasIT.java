package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mxstack.standalone.cloudron.ProcessState;
import mxstack.standalone.cloudron.ProcessStatus;
import mxstack.standalone.cloudron.SupervisorStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Cloudron mode with a real MAS: runs only when {@code MAS_HOME} points at an unpacked MAS release
 * (mas-cli and share/); MAS is in no registry this project's CI reaches. Checks that MAS starts on
 * the rendered config, migrates into its own schema of Cloudron's single database, is healthy and
 * wired to Synapse, and that a user registered with MAS's admin CLI logs in through the
 * compatibility login route.
 */
@EnabledIfEnvironmentVariable(
    named = "MAS_HOME",
    matches = ".+",
    disabledReason =
        "needs a MAS release: set MAS_HOME to the directory holding mas-cli and share/ (MAS is"
            + " not installable from the registries this machine reaches)")
class CloudronMasIT {

  final ObjectMapper json = new ObjectMapper();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void masRunsInItsOwnSchemaAndLogsUsersIn() throws Exception {
    try (SupervisorRun run = new SupervisorRun("mas")) {
      run.start();
      SupervisorStatus status = run.awaitReady("synapse", "mas", "router");
      assertTrue(status.masAvailable());

      try (var c =
              DriverManager.getConnection(
                  "jdbc:postgresql://"
                      + LocalStack.PG_HOST
                      + ":"
                      + LocalStack.PG_PORT
                      + "/"
                      + run.database,
                  run.role,
                  run.rolePassword);
          var s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT table_schema FROM information_schema.tables WHERE table_name = 'users'"
                      + " ORDER BY table_schema")) {
        List<String> schemas = new ArrayList<>();
        while (rs.next()) {
          schemas.add(rs.getString(1));
        }
        assertEquals(
            List.of("mas", "public"), schemas, "MAS's users table lives in its own schema");
      }

      HttpResponse<String> whoami =
          send(
              HttpRequest.newBuilder(URI.create(run.url("/_matrix/client/v3/account/whoami")))
                  .header("Authorization", "Bearer mxstack-bogus-token")
                  .build());
      assertEquals(
          401, whoami.statusCode(), "503 would mean Synapse cannot reach MAS: " + whoami.body());

      String secret =
          Files.readString(run.data.resolve("secrets/mas-synapse-shared-secret")).strip();
      HttpResponse<String> localpart =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + run.env.get("MXSTACK_SYNAPSE_PORT")
                              + "/_synapse/mas/is_localpart_available"))
                  .header("Authorization", "Bearer " + secret)
                  .build());
      assertEquals(400, localpart.statusCode(), localpart.body());

      HttpResponse<String> flows =
          send(HttpRequest.newBuilder(URI.create(run.url("/_matrix/client/v3/login"))).build());
      assertEquals(200, flows.statusCode(), flows.body());
      boolean preferred = false;
      for (JsonNode flow : json.readTree(flows.body()).get("flows")) {
        preferred |=
            flow.path("type").asText().equals("m.login.sso")
                && flow.path("oauth_aware_preferred").asBoolean();
      }
      assertTrue(preferred, flows.body());

      HttpResponse<String> metadata =
          send(
              HttpRequest.newBuilder(URI.create(run.url("/_matrix/client/v1/auth_metadata")))
                  .build());
      assertEquals(200, metadata.statusCode(), metadata.body());
      assertEquals(
          "https://matrix.sup.test/", json.readTree(metadata.body()).path("issuer").asText());

      // No upstream provider and no user yet: nobody can log in, and status says so.
      run.awaitStatus(
          "the warning that nobody can log in",
          s -> s.warnings().stream().anyMatch(w -> w.startsWith("nobody can log in yet")),
          Duration.ofSeconds(60));

      // A user made with MAS's admin CLI, on the very config files the supervisor rendered.
      List<String> register = new ArrayList<>();
      register.add(Path.of(run.env.get("MAS_HOME"), "mas-cli").toString());
      register.add("--config");
      register.add(run.run.resolve("config/mas/config.yaml").toString());
      register.add("--config");
      register.add(run.run.resolve("secrets/mas-database.yaml").toString());
      register.addAll(
          List.of(
              "manage",
              "register-user",
              "alice",
              "--password",
              "correct horse battery staple",
              "--ignore-password-complexity",
              "--yes"));
      LocalStack.ProcessResult created = LocalStack.run(register);
      assertEquals(0, created.exitCode(), created.output());

      ObjectNode body = json.createObjectNode();
      body.put("type", "m.login.password");
      body.putObject("identifier").put("type", "m.id.user").put("user", "alice");
      body.put("password", "correct horse battery staple");
      HttpResponse<String> login =
          send(
              HttpRequest.newBuilder(URI.create(run.url("/_matrix/client/v3/login")))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                  .build());
      assertEquals(200, login.statusCode(), login.body());
      run.awaitStatus(
          "the warning gone once a user has a password",
          s -> s.warnings().stream().noneMatch(w -> w.startsWith("nobody can log in yet")),
          Duration.ofSeconds(60));
      String token = json.readTree(login.body()).path("access_token").asText();
      HttpResponse<String> me =
          send(
              HttpRequest.newBuilder(URI.create(run.url("/_matrix/client/v3/account/whoami")))
                  .header("Authorization", "Bearer " + token)
                  .build());
      assertEquals(200, me.statusCode(), me.body());
      assertEquals("@alice:sup.test", json.readTree(me.body()).path("user_id").asText());
    }
  }

  @Test
  void aStoppedMasIsFoundUnresponsiveAndRestarted() throws Exception {
    try (SupervisorRun run = new SupervisorRun("masstop")) {
      run.start();
      SupervisorStatus ready = run.awaitReady("synapse", "mas", "router");
      long masPid = CloudronSupervisorIT.pid(ready, "mas");
      new ProcessBuilder("kill", "-STOP", String.valueOf(masPid)).start().waitFor();
      run.awaitStatus(
          "mas reported unresponsive",
          s -> CloudronSupervisorIT.find(s, "mas").state() == ProcessState.UNRESPONSIVE,
          Duration.ofSeconds(180));
      run.awaitStatus(
          "mas restarted and ready",
          s -> {
            ProcessStatus p = CloudronSupervisorIT.find(s, "mas");
            return p.state() == ProcessState.READY && p.pid() != null && p.pid() != masPid;
          },
          Duration.ofSeconds(180));
      assertTrue(
          run.output().contains("mas did not answer its liveness check (GET /health"),
          run.output());
      HttpResponse<String> discovery =
          send(
              HttpRequest.newBuilder(URI.create(run.url("/.well-known/openid-configuration")))
                  .build());
      assertEquals(200, discovery.statusCode(), discovery.body());
    }
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
