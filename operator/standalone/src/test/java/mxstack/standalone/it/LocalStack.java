package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.Planner;
import mxstack.core.plan.PreStartStep;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecReader;
import mxstack.standalone.apply.ConfigWriter;
import mxstack.standalone.apply.DerivedSecretWriter;
import mxstack.standalone.cloudron.ChildCommand;
import mxstack.standalone.cloudron.CloudronLayout;
import mxstack.standalone.secrets.SecretGenerator;
import mxstack.standalone.secrets.SecretStore;

/**
 * A real deployment on this machine for integration tests: a fresh PostgreSQL database (C
 * collation), the plan written under a temporary directory, and the planned processes started from
 * the plan's own command lines. Needs the Synapse venv, PostgreSQL and nginx that {@code .ci/run}
 * (or the scripts under {@code scripts/}) set up.
 */
final class LocalStack implements AutoCloseable {

  static final String PG_HOST = env("MXSTACK_PG_HOST", "127.0.0.1");
  static final String PG_PORT = env("MXSTACK_PG_PORT", "5432");
  static final String PG_USER = env("MXSTACK_PG_USER", "mxstack");
  static final String PG_PASSWORD = env("MXSTACK_PG_PASSWORD", "mxstack");
  static final String PG_ADMIN_DB = env("MXSTACK_PG_DATABASE", "mxstack_ci");

  final Path base;
  final Target target;
  final String database;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  DesiredState plan;

  LocalStack(String name) throws Exception {
    this(name, null);
  }

  /** A stack whose MAS comes from {@code masHome} (a MAS release directory), if given. */
  LocalStack(String name, String masHome) throws Exception {
    base = Files.createTempDirectory("mxstack-" + name + "-");
    // nginx workers run as an unprivileged user when the tests run as root: let them read.
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Target.Ports ports =
        new Target.Ports(freePort(), freePort(), freePort(), freePort(), freePort());
    // The Cloudron layout under a temporary base: base/data stands in for /app/data and
    // base/run for /run/mxstack; children run as the test's own user.
    target =
        new CloudronLayout(
                base.resolve("data"),
                base.resolve("run"),
                synapsePython(),
                masHome != null ? masHome : base + "/no-mas",
                nginx(),
                "psql",
                ports,
                null)
            .target();
    if (masHome == null) {
      // MAS's working directory, where its steps that need no MAS (psql) run.
      Files.createDirectories(base.resolve("no-mas"));
    }
    database = "it_" + name.toLowerCase(Locale.ROOT) + "_" + ProcessHandle.current().pid();
    createDatabase(database);
    Path password = base.resolve("db-password");
    Files.writeString(password, PG_PASSWORD + "\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
  }

  /** Substitutes the fixture's values into a spec template and plans it. */
  DesiredState plan(String specTemplate) throws Exception {
    String yaml =
        specTemplate
            .replace("${PG_HOST}", PG_HOST)
            .replace("${PG_PORT}", PG_PORT)
            .replace("${PG_USER}", PG_USER)
            .replace("${DATABASE}", database)
            .replace("${PASSWORD_FILE}", base.resolve("db-password").toString());
    MatrixDeploymentDocument doc = SpecReader.load(yaml);
    plan = Planner.plan(doc.spec(), SecretPaths.of(target), target);
    return plan;
  }

  /** Writes configs, generates secrets and assembles derived secret files, as an adapter does. */
  void apply() throws IOException {
    new ConfigWriter(Path.of(target.configDir())).writeAll(plan.files());
    new SecretStore(Path.of(target.secretsDir()), new SecretGenerator()).ensure(plan.secrets());
    new DerivedSecretWriter(SecretPaths.of(target)).writeAll(plan.derivedSecrets());
    Files.createDirectories(Path.of(target.dataDir()));
    Files.createDirectories(Path.of(target.runDir(), "nginx"));
    for (String dir :
        List.of(
            "run",
            "run/config",
            "run/config/router",
            "run/config/router/well-known",
            "run/config/router/well-known/matrix")) {
      Files.setPosixFilePermissions(
          base.resolve(dir), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  String secret(String name) throws IOException {
    return Files.readString(Path.of(target.secretsDir(), name)).strip();
  }

  /**
   * Starts a planned process as the supervisor does (its argv, user, working directory and
   * environment, standard input closed); output goes to a log.
   */
  Process start(String name) throws IOException {
    return start(name, Map.of());
  }

  /**
   * Starts a planned process as {@link #start(String)} does, with variables added to its
   * environment (only where a test must stand in for the machine, e.g. a CA the admin trusts).
   */
  Process start(String name, Map<String, String> extraEnv) throws IOException {
    PlannedProcess p = plan.process(name).orElseThrow();
    ProcessBuilder builder = ChildCommand.of(p, p.argv());
    builder.environment().putAll(extraEnv);
    Path log = base.resolve(name + ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    processes.add(process);
    logs.add(log);
    return process;
  }

  /**
   * Creates a Synapse user with the generated registration shared secret (legacy mode), as
   * register_new_matrix_user does.
   */
  void register(String user, String password) throws Exception {
    register(
        synapseUrl(""),
        secret(GeneratedSecrets.SYNAPSE_REGISTRATION.name()),
        user,
        password,
        false);
  }

  /**
   * Creates a user on the Synapse at {@code base} with its registration shared secret (the admin
   * register API, as register_new_matrix_user does).
   */
  static void register(String base, String secret, String user, String password, boolean admin)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String url = base + "/_synapse/admin/v1/register";
    String nonce =
        JSON.readTree(
                client
                    .send(
                        HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body())
            .path("nonce")
            .asText();
    assertTrue(!nonce.isEmpty(), "no registration nonce");
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    String message = nonce + "\0" + user + "\0" + password + "\0" + (admin ? "admin" : "notadmin");
    String digest = HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    ObjectNode body = JSON.createObjectNode();
    body.put("nonce", nonce);
    body.put("username", user);
    body.put("password", password);
    body.put("admin", admin);
    body.put("mac", digest);
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertStatus(200, response, "shared-secret registration of " + user);
  }

  /** A password login at {@code base} (Synapse or the router). */
  HttpResponse<String> passwordLogin(String base, String user, String password) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", "m.login.password");
    body.putObject("identifier").put("type", "m.id.user").put("user", user);
    body.put("password", password);
    return send(
        HttpRequest.newBuilder(URI.create(base + "/_matrix/client/v3/login"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build());
  }

  /** Waits until GET url answers 200, or fails with the process log. */
  void awaitHttpOk(String url, Process process, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail(
            "process exited with "
                + process.exitValue()
                + " before "
                + url
                + " answered:\n"
                + tail());
      }
      try {
        HttpResponse<String> response = get(url);
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    fail(url + " did not answer 200 within " + timeout + ":\n" + tail());
  }

  HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  String synapseUrl(String path) {
    return "http://127.0.0.1:" + target.ports().synapse() + path;
  }

  String routerUrl(String path) {
    return "http://127.0.0.1:" + target.ports().router() + path;
  }

  /**
   * Runs one of a planned process's pre-start steps as the supervisor does (the process's user,
   * working directory and environment, standard input closed), within a hang guard.
   */
  ProcessResult runStep(String process, String step) throws Exception {
    PlannedProcess p = plan.process(process).orElseThrow();
    PreStartStep s =
        p.preStart().stream().filter(x -> x.name().equals(step)).findFirst().orElseThrow();
    return run(ChildCommand.of(p, s.argv()), Duration.ofMinutes(5));
  }

  /** Runs a command with standard input closed to completion, within a hang guard. */
  static ProcessResult run(List<String> argv) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return run(builder, Duration.ofMinutes(2));
  }

  /** Runs a prepared command to completion within a hang guard; output merged. */
  static ProcessResult run(ProcessBuilder builder, Duration guard) throws Exception {
    Path output = Files.createTempFile("mxstack-step-", ".log");
    try {
      Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!process.waitFor(guard.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail(
            "still running after "
                + guard
                + ", killed: "
                + builder.command()
                + "\n"
                + Files.readString(output));
      }
      return new ProcessResult(process.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  record ProcessResult(int exitCode, String output) {}

  String tail() {
    StringBuilder out = new StringBuilder();
    for (Path log : logs) {
      try {
        List<String> lines = Files.readAllLines(log);
        out.append("--- ").append(log.getFileName()).append('\n');
        lines
            .subList(Math.max(0, lines.size() - 40), lines.size())
            .forEach(l -> out.append(l).append('\n'));
      } catch (IOException e) {
        out.append("(no log ").append(log).append(")\n");
      }
    }
    return out.toString();
  }

  @Override
  public void close() throws Exception {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
    if (System.getenv("MXSTACK_KEEP_TEST_DIRS") == null) {
      try (var paths = Files.walk(base)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void createDatabase(String name) throws Exception {
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      s.execute(
          "CREATE DATABASE "
              + name
              + " ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    }
  }

  /** A connection to this stack's database as the test role. */
  Connection connect() throws Exception {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + database, PG_USER, PG_PASSWORD);
  }

  private static Connection admin() throws Exception {
    String url = "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + PG_ADMIN_DB;
    try {
      return DriverManager.getConnection(url, PG_USER, PG_PASSWORD);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL is needed at "
              + url
              + " (user "
              + PG_USER
              + "); run scripts/start-postgres.sh or set MXSTACK_PG_*: "
              + e.getMessage(),
          e);
    }
  }

  static String synapsePython() {
    String venv = System.getenv("SYNAPSE_VENV");
    Path python =
        venv != null && !venv.isBlank()
            ? Path.of(venv, "bin", "python")
            : repoRoot().resolve(".venv/synapse/bin/python");
    if (!Files.isExecutable(python)) {
      throw new IllegalStateException(
          "The Synapse venv is needed at "
              + python
              + "; run scripts/setup-synapse-venv.sh or set SYNAPSE_VENV");
    }
    return python.toString();
  }

  static String nginx() {
    String bin = env("NGINX_BIN", "/usr/sbin/nginx");
    if (!Files.isExecutable(Path.of(bin))) {
      throw new IllegalStateException(
          "nginx is needed at " + bin + "; run scripts/setup-system-packages.sh or set NGINX_BIN");
    }
    return bin;
  }

  static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve(".ci/run"))) {
      dir = dir.getParent();
    }
    return dir == null ? Path.of("").toAbsolutePath() : dir;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  static void assertStatus(int expected, HttpResponse<String> response, String what) {
    assertEquals(expected, response.statusCode(), what + " answered: " + response.body());
  }
}
