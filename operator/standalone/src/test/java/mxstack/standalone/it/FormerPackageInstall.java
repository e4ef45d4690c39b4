package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An install of the former Cloudron Synapse package, made for real in a {@link SupervisorRun}'s
 * data directory and database: its homeserver.yaml under configs/ (its own layout: inline secrets,
 * a pepper, the media store under data/, Cloudron's OpenID Connect provider), and a real Synapse
 * run on it that creates users with passwords (one admin, one deactivated, one linked to Cloudron's
 * provider), devices, and a room with messages.
 */
final class FormerPackageInstall {

  static final String PEPPER = "former-package-pepper-5ae3";
  static final String ALICE_PASSWORD = "alice's old password";
  static final String BOB_PASSWORD = "bob's old password";
  static final String REGISTRATION_SECRET = "former-registration-secret";
  static final String MESSAGE = "sent before the move";

  final Path config;
  final Path signingKey;
  final Path media;
  String roomId;

  /** Alice's access token from before the move (alice is the server's admin). */
  String aliceToken;

  private final SupervisorRun run;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private FormerPackageInstall(SupervisorRun run) {
    this.run = run;
    this.config = run.data.resolve("configs/homeserver.yaml");
    this.signingKey = run.data.resolve("configs/sup.test.signing.key");
    this.media = run.data.resolve("data/media_store");
  }

  /**
   * Makes the install. {@code extra} is appended to its homeserver.yaml as it is (top-level YAML),
   * for settings a test needs.
   */
  static FormerPackageInstall create(SupervisorRun run, String extra) throws Exception {
    FormerPackageInstall install = new FormerPackageInstall(run);
    install.write(extra);
    install.fill();
    return install;
  }

  private void write(String extra) throws Exception {
    Files.createDirectories(config.getParent());
    Files.createDirectories(media);
    String python = LocalStack.synapsePython();
    LocalStack.ProcessResult key =
        LocalStack.run(
            List.of(
                python,
                "-c",
                "import sys, signedjson.key as k;"
                    + " k.write_signing_keys(open(sys.argv[1], 'w'),"
                    + " [k.generate_signing_key('a_former')])",
                signingKey.toString()));
    assertEquals(0, key.exitCode(), key.output());
    Files.writeString(
        run.data.resolve("configs/log.yaml"),
        "version: 1\nhandlers:\n  console:\n    class: logging.StreamHandler\n"
            + "root:\n  level: WARNING\n  handlers: [console]\n");
    port = LocalStack.freePort();
    String issuer = run.env.getOrDefault("CLOUDRON_OIDC_ISSUER", "https://127.0.0.1:9");
    String text =
        """
        # The former Cloudron Synapse package's settings (its layout, not this package's).
        server_name: sup.test
        public_baseurl: https://matrix.sup.test/
        pid_file: %1$s/homeserver.pid
        listeners:
          - port: %2$d
            bind_addresses: ['127.0.0.1']
            type: http
            tls: false
            x_forwarded: true
            resources:
              - names: [client, federation]
        database:
          name: psycopg2
          args:
            user: %3$s
            password: %4$s
            dbname: %5$s
            host: %6$s
            port: %7$s
            cp_min: 1
            cp_max: 5
        log_config: %1$s/configs/log.yaml
        media_store_path: %1$s/data/media_store
        signing_key_path: %1$s/configs/sup.test.signing.key
        macaroon_secret_key: former-macaroon-secret
        form_secret: former-form-secret
        registration_shared_secret: %8$s
        report_stats: false
        suppress_key_server_warning: true
        trusted_key_servers:
          - server_name: matrix.org
        enable_registration: false
        password_config:
          enabled: true
          pepper: %9$s
        presence:
          enabled: false
        user_directory:
          search_all_users: true
        max_upload_size: 20M
        oidc_providers:
          - idp_id: cloudron
            idp_name: Cloudron
            issuer: %10$s
            client_id: %11$s
            client_secret: %12$s
            scopes: [openid, profile, email]
            user_mapping_provider:
              config:
                localpart_template: '{{ user.preferred_username }}'
        """
            .formatted(
                run.data,
                port,
                run.role,
                run.rolePassword,
                run.database,
                LocalStack.PG_HOST,
                LocalStack.PG_PORT,
                REGISTRATION_SECRET,
                PEPPER,
                issuer,
                run.env.getOrDefault("CLOUDRON_OIDC_CLIENT_ID", "cloudron-client"),
                run.env.getOrDefault("CLOUDRON_OIDC_CLIENT_SECRET", "cloudron-secret"));
    Files.writeString(config, text + (extra == null ? "" : extra));
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
  }

  private int port;

  /** A real Synapse on the former config makes the users, devices and the room. */
  private void fill() throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
            LocalStack.synapsePython(),
            "-m",
            "synapse.app.homeserver",
            "--config-path",
            config.toString());
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    builder.environment().put("LANG", "C.UTF-8");
    builder.environment().put("HOME", run.data.toString());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Path log = run.base.resolve("former-synapse.log");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process synapse = builder.start();
    try {
      String base = "http://127.0.0.1:" + port;
      awaitHealth(base, synapse, log);
      LocalStack.register(base, REGISTRATION_SECRET, "alice", ALICE_PASSWORD, true);
      LocalStack.register(base, REGISTRATION_SECRET, "bob", BOB_PASSWORD, false);
      LocalStack.register(base, REGISTRATION_SECRET, "carol", "carol's old password", false);
      LocalStack.register(base, REGISTRATION_SECRET, "dave", "dave's old password", false);
      String alice = login(base, "alice", ALICE_PASSWORD, "alice's laptop");
      aliceToken = alice;
      login(base, "bob", BOB_PASSWORD, "bob's phone");
      JsonNode room =
          post(base, "/_matrix/client/v3/createRoom", alice, "{\"name\":\"Before the move\"}");
      roomId = room.path("room_id").asText();
      for (int i = 0; i < 3; i++) {
        put(
            base,
            "/_matrix/client/v3/rooms/"
                + URLEncoder.encode(roomId, StandardCharsets.UTF_8)
                + "/send/m.room.message/txn"
                + i,
            alice,
            "{\"msgtype\":\"m.text\",\"body\":\"" + MESSAGE + " " + i + "\"}");
      }
      post(base, "/_synapse/admin/v1/deactivate/@carol:sup.test", alice, "{\"erase\":false}");
    } finally {
      synapse.destroy();
      if (!synapse.waitFor(30, TimeUnit.SECONDS)) {
        synapse.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    // Dave signed in through Cloudron: Synapse recorded the link under its id for the provider.
    try (Connection c = run.connect();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO user_external_ids (auth_provider, external_id, user_id)"
                    + " VALUES (?, ?, ?)")) {
      s.setString(1, "oidc-cloudron");
      s.setString(2, "dave-at-cloudron");
      s.setString(3, "@dave:sup.test");
      s.execute();
    }
  }

  private void awaitHealth(String base, Process synapse, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      assertTrue(synapse.isAlive(), "the former Synapse exited:\n" + Files.readString(log));
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create(base + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode()
            == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the former Synapse did not start:\n" + Files.readString(log));
  }

  String login(String base, String user, String password, String device) throws Exception {
    ObjectNode body = json.createObjectNode();
    body.put("type", "m.login.password");
    body.putObject("identifier").put("type", "m.id.user").put("user", user);
    body.put("password", password);
    body.put("initial_device_display_name", device);
    JsonNode answer = post(base, "/_matrix/client/v3/login", null, body.toString());
    return answer.path("access_token").asText();
  }

  private JsonNode post(String base, String path, String token, String body) throws Exception {
    return send(base, path, token, "POST", body);
  }

  private JsonNode put(String base, String path, String token, String body) throws Exception {
    return send(base, path, token, "PUT", body);
  }

  private JsonNode send(String base, String path, String token, String method, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), method + " " + path + ": " + response.body());
    return json.readTree(response.body());
  }

  static Map<String, String> cloudronOidc(String issuer) {
    return Map.of(
        "CLOUDRON_OIDC_ISSUER", issuer,
        "CLOUDRON_OIDC_CLIENT_ID", "cloudron-client",
        "CLOUDRON_OIDC_CLIENT_SECRET", "cloudron-secret",
        "CLOUDRON_OIDC_PROVIDER_NAME", "Cloudron");
  }
}
