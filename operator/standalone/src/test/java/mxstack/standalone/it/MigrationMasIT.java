package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.standalone.cloudron.CloudronEnvironment;
import mxstack.standalone.cloudron.SupervisorStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The whole move of a former package's install to a real MAS, in Cloudron mode: runs only when
 * {@code MAS_HOME} points at a MAS release (CI has none). Afterwards every password user logs in
 * with the same Matrix ID through the compatibility route and through MAS's own login page, keeps
 * devices, rooms and admin rights; the user linked to Cloudron's provider logs in through it (a
 * small real OpenID Connect provider); the user count is the same; a second migration is refused.
 */
@EnabledIfEnvironmentVariable(
    named = "MAS_HOME",
    matches = ".+",
    disabledReason =
        "needs a MAS release: set MAS_HOME to the directory holding mas-cli and share/ (MAS is"
            + " not installable from the registries this machine reaches)")
class MigrationMasIT {

  final ObjectMapper json = new ObjectMapper();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void aFormerInstallMovesToMasAndEveryoneLogsInAsBefore() throws Exception {
    try (TestOidcProvider idp =
            new TestOidcProvider(
                "cloudron-client",
                "cloudron-secret",
                new TestOidcProvider.User(
                    "dave-at-cloudron", "dave", "Dave Davis", "dave@cloudron.test"));
        SupervisorRun run = new SupervisorRun("syn2mas")) {
      run.env.put("CLOUDRON_OIDC_ISSUER", idp.issuer());
      run.env.put("CLOUDRON_OIDC_CLIENT_ID", idp.clientId);
      run.env.put("CLOUDRON_OIDC_CLIENT_SECRET", idp.clientSecret);
      run.env.put("CLOUDRON_OIDC_PROVIDER_NAME", "Cloudron");
      // The test's provider has a CA of its own; the children trust it through this bundle.
      run.env.put("SSL_CERT_FILE", idp.trustBundle().toString());
      FormerPackageInstall former = FormerPackageInstall.create(run, "");
      long usersBefore = count(run, "SELECT count(*) FROM public.users");

      run.start();
      SupervisorStatus end = awaitEnd(run);
      if (end.migration().error() != null
          && end.migration().error().contains("spec.migration.acceptWarnings")) {
        // syn2mas warned: the admin reads it, then says go.
        run.writeSpec(
            run.readSpec().replace("  migration:\n", "  migration:\n    acceptWarnings: true\n"));
        end = awaitEnd(run);
      }
      assertEquals("delegated", end.migration().state(), end.migration() + "\n" + run.output());
      run.awaitReady("synapse", "mas", "router");

      // Everyone came across; the admin may ask for admin rights.
      assertEquals(usersBefore, count(run, "SELECT count(*) FROM mas.users"));
      assertEquals(
          1,
          count(
              run,
              "SELECT count(*) FROM mas.users WHERE username = 'alice' AND can_request_admin"));
      assertEquals(
          1,
          count(
              run,
              "SELECT count(*) FROM mas.upstream_oauth_links l JOIN mas.users u"
                  + " ON u.user_id = l.user_id WHERE u.username = 'dave'"
                  + " AND l.subject = 'dave-at-cloudron'"));

      // Old tokens keep working, the admin's with its rights.
      assertEquals("@alice:sup.test", whoami(run, former.aliceToken));
      assertEquals(200, adminUsers(run, former.aliceToken).statusCode(), "the old admin token");

      // Password logins through the compatibility route, with the old passwords.
      String alice = run.passwordLogin("alice", FormerPackageInstall.ALICE_PASSWORD);
      assertTrue(
          messages(run, alice, former.roomId).contains(FormerPackageInstall.MESSAGE),
          "the room and its messages");
      String bob = run.passwordLogin("bob", FormerPackageInstall.BOB_PASSWORD);
      assertTrue(devices(run, bob).contains("bob's phone"), "bob's device came across");
      // A compatibility login never carries admin rights in MAS; an admin session is issued
      // with mas-cli (POSTINSTALL says how).
      assertEquals(403, adminUsers(run, alice).statusCode(), "a password login is not admin");
      String adminToken = issueAdminToken(run, "alice");
      assertEquals(200, adminUsers(run, adminToken).statusCode(), "the token mas-cli issues");

      // MAS's own login page, with a password that came from Synapse.
      Browser browser = new Browser("matrix.sup.test", run.url(""), idp.client());
      HttpResponse<String> page = browser.get("https://matrix.sup.test/login");
      assertEquals(200, page.statusCode(), page.body());
      Map<String, String> form = new LinkedHashMap<>();
      form.put("csrf", Browser.hiddenField(page.body(), "csrf"));
      form.put("username", "bob");
      form.put("password", FormerPackageInstall.BOB_PASSWORD);
      HttpResponse<String> loggedIn = browser.post("https://matrix.sup.test/login", form);
      assertEquals(303, loggedIn.statusCode(), loggedIn.body());
      assertEquals("bob", viewer(browser));

      // Dave, linked to Cloudron's provider in Synapse, logs in through it.
      Browser daves = new Browser("matrix.sup.test", run.url(""), idp.client());
      HttpResponse<String> upstream =
          daves.follow(
              daves.get(
                  "https://matrix.sup.test/upstream/authorize/"
                      + CloudronEnvironment.CLOUDRON_PROVIDER_ID));
      assertTrue(idp.requests.contains("POST /token"), idp.requests + "\n" + upstream.body());
      assertEquals("dave", viewer(daves), upstream.body());

      // A second migration is refused and changes nothing.
      long users = count(run, "SELECT count(*) FROM mas.users");
      LocalStack.ProcessResult again = rerunMigrate(run);
      assertNotEquals(0, again.exitCode(), again.output());
      assertTrue(again.output().contains("not empty"), again.output());
      assertEquals(users, count(run, "SELECT count(*) FROM mas.users"));
    }
  }

  private SupervisorStatus awaitEnd(SupervisorRun run) throws Exception {
    return run.awaitStatus(
        "the move delegated, or stopped",
        s ->
            s.migration() != null
                && s.migration().step() == null
                && (s.migration().state().equals("delegated") || s.migration().error() != null),
        Duration.ofSeconds(600));
  }

  /** Who MAS's session cookie belongs to, from MAS's GraphQL API (as its account page asks). */
  private String viewer(Browser browser) throws Exception {
    HttpResponse<String> account = browser.follow(browser.get("https://matrix.sup.test/account/"));
    assertEquals(200, account.statusCode(), account.body());
    HttpResponse<String> answer =
        browser.postJson(
            "https://matrix.sup.test/graphql",
            "{\"query\":\"query { viewer { __typename ... on User { username } } }\"}");
    assertEquals(200, answer.statusCode(), answer.body());
    return json.readTree(answer.body()).path("data").path("viewer").path("username").asText();
  }

  private String issueAdminToken(SupervisorRun run, String user) throws Exception {
    List<String> command = new ArrayList<>(masCli(run));
    command.addAll(
        List.of(
            "manage",
            "issue-compatibility-token",
            user,
            "--yes-i-want-to-grant-synapse-admin-privileges"));
    LocalStack.ProcessResult issued = LocalStack.run(command);
    assertEquals(0, issued.exitCode(), issued.output());
    java.util.regex.Matcher token =
        java.util.regex.Pattern.compile("(mct_[A-Za-z0-9_]+)").matcher(issued.output());
    assertTrue(token.find(), issued.output());
    return token.group(1);
  }

  private LocalStack.ProcessResult rerunMigrate(SupervisorRun run) throws Exception {
    List<String> command = new ArrayList<>(List.of(masCli(run).get(0), "syn2mas"));
    command.addAll(masCli(run).subList(1, masCli(run).size()));
    command.addAll(
        List.of(
            "--synapse-config",
            run.run.resolve("config/synapse/homeserver.yaml").toString(),
            "--synapse-config",
            run.run.resolve("secrets/synapse-password.yaml").toString(),
            "migrate"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder
        .environment()
        .put("PGPASSFILE", run.run.resolve("secrets/synapse-db.pgpass").toString());
    // As the supervisor runs syn2mas: Synapse's connection in libpq's variables (see the plan).
    builder.environment().put("PGHOST", LocalStack.PG_HOST);
    builder.environment().put("PGPORT", LocalStack.PG_PORT);
    builder.environment().put("PGUSER", run.role);
    builder.environment().put("PGDATABASE", run.database);
    builder.environment().put("PGSSLMODE", "disable");
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return LocalStack.run(builder, Duration.ofMinutes(5));
  }

  private List<String> masCli(SupervisorRun run) {
    return List.of(
        Path.of(run.env.get("MAS_HOME"), "mas-cli").toString(),
        "--config",
        run.run.resolve("config/mas/config.yaml").toString(),
        "--config",
        run.run.resolve("secrets/mas-database.yaml").toString());
  }

  private String whoami(SupervisorRun run, String token) throws Exception {
    HttpResponse<String> me = authorized(run, "/_matrix/client/v3/account/whoami", token);
    assertEquals(200, me.statusCode(), me.body());
    return json.readTree(me.body()).path("user_id").asText();
  }

  private HttpResponse<String> adminUsers(SupervisorRun run, String token) throws Exception {
    return authorized(run, "/_synapse/admin/v2/users/@bob:sup.test", token);
  }

  private String devices(SupervisorRun run, String token) throws Exception {
    HttpResponse<String> devices = authorized(run, "/_matrix/client/v3/devices", token);
    assertEquals(200, devices.statusCode(), devices.body());
    return devices.body();
  }

  private String messages(SupervisorRun run, String token, String roomId) throws Exception {
    HttpResponse<String> messages =
        authorized(
            run,
            "/_matrix/client/v3/rooms/"
                + URLEncoder.encode(roomId, StandardCharsets.UTF_8)
                + "/messages?dir=b&limit=20",
            token);
    assertEquals(200, messages.statusCode(), messages.body());
    return messages.body();
  }

  private HttpResponse<String> authorized(SupervisorRun run, String path, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(run.url(path)))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private long count(SupervisorRun run, String sql) throws Exception {
    return run.count(sql);
  }
}
