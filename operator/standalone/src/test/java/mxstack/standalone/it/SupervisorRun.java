package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import mxstack.standalone.cloudron.ProcessState;
import mxstack.standalone.cloudron.ProcessStatus;
import mxstack.standalone.cloudron.SupervisorStatus;

/**
 * The Cloudron-mode supervisor as a separate JVM (the packaged jar, started with the flags from
 * cloudron/jvm.options), against a simulated Cloudron: a temporary /app/data and /run, the
 * CLOUDRON_* variables, and a database and role of its own on the local PostgreSQL.
 */
final class SupervisorRun implements AutoCloseable {

  final Path base;
  final Path data;
  final Path run;
  final String database;
  final String role;
  final String rolePassword;
  final Map<String, String> env = new HashMap<>();
  final int httpPort;
  private Process process;
  private final List<Path> logs = new ArrayList<>();
  private final List<Path> mounts = new ArrayList<>();
  private int starts;

  SupervisorRun(String name) throws Exception {
    base = Files.createTempDirectory("mxstack-sup-" + name + "-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    data = Files.createDirectories(base.resolve("app-data"));
    run = Files.createDirectories(base.resolve("run"));
    String suffix = name + "_" + ProcessHandle.current().pid();
    database = "sup_" + suffix;
    role = "sup_role_" + suffix;
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    rolePassword = "pw" + HexFormat.of().formatHex(random);
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      s.execute("DROP ROLE IF EXISTS " + role);
      s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + rolePassword + "'");
      // PostgreSQL 15: creating a database owned by another role needs membership in it.
      s.execute("GRANT " + role + " TO " + LocalStack.PG_USER);
      s.execute(
          "CREATE DATABASE "
              + database
              + " OWNER "
              + role
              + " ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    }
    httpPort = LocalStack.freePort();
    env.put("CLOUDRON", "1");
    env.put("CLOUDRON_APP_DOMAIN", "matrix.sup.test");
    env.put("CLOUDRON_APP_ORIGIN", "https://matrix.sup.test");
    env.put("CLOUDRON_POSTGRESQL_HOST", LocalStack.PG_HOST);
    env.put("CLOUDRON_POSTGRESQL_PORT", LocalStack.PG_PORT);
    env.put("CLOUDRON_POSTGRESQL_USERNAME", role);
    env.put("CLOUDRON_POSTGRESQL_PASSWORD", rolePassword);
    env.put("CLOUDRON_POSTGRESQL_DATABASE", database);
    env.put("MXSTACK_DATA_DIR", data.toString());
    env.put("MXSTACK_RUN_DIR", run.toString());
    env.put("MXSTACK_HTTP_PORT", String.valueOf(httpPort));
    env.put("MXSTACK_SYNAPSE_PORT", String.valueOf(LocalStack.freePort()));
    env.put("MXSTACK_MAS_PORT", String.valueOf(LocalStack.freePort()));
    env.put("MXSTACK_MAS_INTERNAL_PORT", String.valueOf(LocalStack.freePort()));
    env.put("MXSTACK_SYNAPSE_PYTHON", LocalStack.synapsePython());
    env.put("NGINX_BIN", LocalStack.nginx());
    env.put("MXSTACK_RUN_AS", "");
    String masHome = System.getenv("MAS_HOME");
    env.put("MAS_HOME", masHome != null ? masHome : base.resolve("mas-not-installed").toString());
  }

  /** Starts the supervisor JVM; its output goes to a log of its own per start. */
  Process start() throws IOException {
    Path jar = jar();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String line : Files.readAllLines(LocalStack.repoRoot().resolve("cloudron/jvm.options"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        command.add(line.trim());
      }
    }
    // As start.sh runs it: the plain main class, not the CLI.
    command.add("-cp");
    command.add(jar.toString());
    command.add("mxstack.standalone.cloudron.CloudronMain");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv("PATH"));
    builder.environment().putAll(env);
    Path log = base.resolve("supervisor-" + (++starts) + ".log");
    logs.add(log);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    process = builder.start();
    return process;
  }

  /** Runs a matrixctl command with this run's environment; returns exit status and output. */
  LocalStack.ProcessResult matrixctl(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(jar().toString());
    command.add("mxstack.standalone.cli.Matrixctl");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv("PATH"));
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return LocalStack.run(builder, Duration.ofSeconds(120));
  }

  static Path jar() throws IOException {
    try (var files = Files.list(Path.of("target"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("mxstack-standalone-.*\\.jar"))
          .filter(p -> !p.getFileName().toString().contains("tests"))
          .findFirst()
          .orElseThrow(() -> new IOException("package the module first: no jar in target/"));
    }
  }

  Process process() {
    return process;
  }

  SupervisorStatus status() throws IOException {
    return SupervisorStatus.read(run.resolve("status.json"));
  }

  ProcessStatus processStatus(String name) throws IOException {
    return status().processes().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no process " + name));
  }

  /** Waits until the status satisfies the condition, or fails with the output. */
  SupervisorStatus awaitStatus(String what, Predicate<SupervisorStatus> condition, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    SupervisorStatus last = null;
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive()) {
        fail(
            "the supervisor exited with "
                + process.exitValue()
                + " while waiting for "
                + what
                + "\n"
                + output());
      }
      try {
        last = status();
        if (condition.test(last)) {
          return last;
        }
      } catch (IOException e) {
        // not written yet
      }
      Thread.sleep(100);
    }
    fail("timed out waiting for " + what + "; last status " + last + "\n" + output());
    return null;
  }

  /** Waits until the supervisor's output contains {@code text}, or fails with the output. */
  void awaitOutput(String text, Duration timeout) throws Exception {
    awaitCondition("output containing '" + text + "'", () -> output().contains(text), timeout);
  }

  /** Waits until {@code matrixctl args} prints {@code text}; returns that run. */
  LocalStack.ProcessResult awaitMatrixctl(String text, Duration timeout, String... args)
      throws Exception {
    LocalStack.ProcessResult[] last = new LocalStack.ProcessResult[1];
    awaitCondition(
        "matrixctl " + String.join(" ", args) + " printing '" + text + "'",
        () -> {
          last[0] = matrixctl(args);
          return last[0].output().contains(text);
        },
        timeout);
    return last[0];
  }

  /** A condition the test polls. */
  @FunctionalInterface
  interface Check {
    boolean holds() throws Exception;
  }

  void awaitCondition(String what, Check check) throws Exception {
    awaitCondition(what, check, Duration.ofSeconds(120));
  }

  /** Waits until the check holds, or fails naming it, with the output. */
  void awaitCondition(String what, Check check, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.holds()) {
        return;
      }
      if (process != null && !process.isAlive()) {
        fail(
            "the supervisor exited with "
                + process.exitValue()
                + " while waiting for "
                + what
                + "\n"
                + output());
      }
      Thread.sleep(100);
    }
    fail("timed out waiting for " + what + "\n" + output());
  }

  SupervisorStatus awaitReady(String... names) throws Exception {
    return awaitStatus(
        "ready: " + String.join(", ", names),
        s -> {
          for (String n : names) {
            if (s.processes().stream()
                .noneMatch(
                    p ->
                        p.name().equals(n) && p.state() == ProcessState.READY && p.pid() != null)) {
              return false;
            }
          }
          return true;
        },
        Duration.ofSeconds(180));
  }

  /**
   * SIGKILL to the supervisor and everything it started, as when the container dies: nothing gets
   * to clean up.
   */
  void crash() throws Exception {
    new ProcessBuilder("kill", "-KILL", String.valueOf(process.pid())).start().waitFor();
    process.waitFor(15, TimeUnit.SECONDS);
    for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
      if (h.info().commandLine().orElse("").contains(base.toString())) {
        h.destroyForcibly();
      }
    }
    for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
      if (h.info().commandLine().orElse("").contains(base.toString())) {
        h.onExit().get(15, TimeUnit.SECONDS);
      }
    }
  }

  /** SIGTERM to the supervisor; returns its exit status. */
  int terminate() throws Exception {
    long pid = process.pid();
    new ProcessBuilder("kill", "-TERM", String.valueOf(pid)).start().waitFor();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("the supervisor did not exit within 15 s of SIGTERM\n" + output());
    }
    return process.exitValue();
  }

  String url(String path) {
    return "http://127.0.0.1:" + httpPort + path;
  }

  /** Every line the supervisor and its children printed, across all starts. */
  String output() throws IOException {
    StringBuilder all = new StringBuilder();
    for (Path log : logs) {
      all.append(Files.readString(log, StandardCharsets.UTF_8));
    }
    return all.toString();
  }

  /** What the supervisor and its children printed since the last start. */
  String lastOutput() throws IOException {
    return Files.readString(logs.get(logs.size() - 1), StandardCharsets.UTF_8);
  }

  /** Gives the role a new password, as a Cloudron restore may; the next start must use it. */
  String changeDatabasePassword() throws Exception {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    String password = "pw" + HexFormat.of().formatHex(random);
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("ALTER ROLE " + role + " PASSWORD '" + password + "'");
    }
    env.put("CLOUDRON_POSTGRESQL_PASSWORD", password);
    return password;
  }

  /**
   * A password login through the router (Synapse's own, or MAS's compatibility route); checks the
   * Matrix ID and returns the access token.
   */
  String passwordLogin(String user, String password) throws Exception {
    var json = new ObjectMapper();
    var body = json.createObjectNode();
    body.put("type", "m.login.password");
    body.putObject("identifier").put("type", "m.id.user").put("user", user);
    body.put("password", password);
    var login =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(url("/_matrix/client/v3/login")))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, login.statusCode(), "password login of " + user + ": " + login.body());
    var answer = json.readTree(login.body());
    assertEquals("@" + user + ":sup.test", answer.path("user_id").asText());
    return answer.path("access_token").asText();
  }

  /** A connection to this run's database as its role, as the app has. */
  Connection connect() throws Exception {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + LocalStack.PG_HOST + ":" + LocalStack.PG_PORT + "/" + database,
        role,
        rolePassword);
  }

  /** The first column of the first row {@code sql} gives, as a number. */
  long count(String sql) throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Runs statements in this run's database as its role, as the app would. */
  void sql(String... statements) throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  /**
   * Takes a transaction-level advisory lock on {@code hashtext(name)} in this run's database and
   * holds it until the returned handle is closed, as another session doing the same work would.
   */
  AutoCloseable holdAdvisoryLock(String name) throws Exception {
    Connection c = connect();
    c.setAutoCommit(false);
    try (var s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      s.setString(1, name);
      s.execute();
    }
    return () -> {
      c.rollback();
      c.close();
    };
  }

  /**
   * Mounts a tmpfs of its own at {@code dir} (a small disk, or a read-only one), unmounted on
   * close. Needs root, as mounting does; false, with nothing mounted, where that is not possible.
   */
  boolean mountTmpfs(Path dir, String options) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      return false;
    }
    Files.createDirectories(dir);
    LocalStack.ProcessResult mounted =
        LocalStack.run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()));
    if (mounted.exitCode() != 0) {
      return false;
    }
    mounts.add(0, dir);
    return true;
  }

  void writeSpec(String text) throws IOException {
    Files.writeString(data.resolve("matrix.yaml"), text, StandardCharsets.UTF_8);
  }

  String readSpec() throws IOException {
    return Files.readString(data.resolve("matrix.yaml"), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
      String cmd = h.info().commandLine().orElse("");
      if (cmd.contains(base.toString())) {
        h.destroyForcibly();
      }
    }
    for (Path mount : mounts) {
      LocalStack.run(List.of("umount", "--lazy", mount.toString()));
    }
    mounts.clear();
    // A child killed a moment ago may leave a connection still being set up; try again then.
    for (int attempt = 1; ; attempt++) {
      try (Connection c = admin();
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        s.execute("DROP ROLE IF EXISTS " + role);
        removeBase();
        return;
      } catch (java.sql.SQLException e) {
        if (attempt == 10) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  /** Empties the runtime directory, as a Cloudron restart does with /run. */
  void emptyRunDir() throws IOException {
    deleteTree(run);
    Files.createDirectories(run);
  }

  /** Removes the run's directory (configs, media, logs) unless MXSTACK_KEEP_TEST_DIRS is set. */
  private void removeBase() throws IOException {
    if (System.getenv("MXSTACK_KEEP_TEST_DIRS") == null) {
      deleteTree(base);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Connection admin() throws Exception {
    return DriverManager.getConnection(
        "jdbc:postgresql://"
            + LocalStack.PG_HOST
            + ":"
            + LocalStack.PG_PORT
            + "/"
            + LocalStack.PG_ADMIN_DB,
        LocalStack.PG_USER,
        LocalStack.PG_PASSWORD);
  }

  /** Sends a signal (STOP, CONT, KILL, ...) to one process, e.g. the supervisor or a child. */
  static void signal(long pid, String signal) throws Exception {
    LocalStack.ProcessResult sent =
        LocalStack.run(List.of("kill", "-" + signal, String.valueOf(pid)));
    if (sent.exitCode() != 0) {
      fail("kill -" + signal + " " + pid + " failed: " + sent.output());
    }
  }
}
