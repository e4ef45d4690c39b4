package mxstack.operator.cluster;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * The operator as shipped: the packaged application (target/quarkus-app, production profile, so
 * server-side apply on) in a JVM of its own with the flags deploy/operator-deployment.yaml gives
 * it, authenticated with a token of its ServiceAccount, so the ClusterRole in deploy/rbac.yaml is
 * what the API server's authorizer checks. Run out of cluster, as `kubectl create token` allows.
 */
public final class OperatorProcess implements AutoCloseable {

  private static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar");
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final Process process;
  private final Path log;
  private final int port;
  private final Instant started;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Thread shutdownHook;

  private OperatorProcess(Process process, Path log, int port, Instant started) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.started = started;
    // a test JVM that exits without closing it does not leave the operator running
    this.shutdownHook = new Thread(() -> ControlPlane.stop(process), "operator-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts the operator against the control plane and waits until it reports ready. */
  public static OperatorProcess start(ControlPlane cp, String name) throws Exception {
    if (!Files.isRegularFile(APP)) {
      throw new IOException(APP + " is missing: these tests run after the package phase");
    }
    String token =
        cp.kubectl("-n", "mxstack-system", "create", "token", "mxstack-operator", "--duration=24h")
            .strip();
    Path home = Files.createDirectories(cp.dir().resolve(name));
    Path kubeconfig = home.resolve("kubeconfig");
    Files.writeString(kubeconfig, cp.kubeconfig(token));
    int port = ControlPlane.freePorts(1)[0];
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(deployedJavaOptions().split("\\s+")));
    command.addAll(List.of("-jar", APP.toAbsolutePath().toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    String path = env.get("PATH");
    env.clear();
    env.put("PATH", path);
    env.put("HOME", home.toString());
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
    env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
    env.put("MALLOC_ARENA_MAX", "2"); // as the Deployment sets it
    Path log = Path.of("target", name + ".log").toAbsolutePath();
    Instant started = Instant.now();
    Process process =
        builder
            .directory(home.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    OperatorProcess operator = new OperatorProcess(process, log, port, started);
    try {
      operator.awaitReady();
      return operator;
    } catch (Exception | Error e) {
      operator.close();
      throw e;
    }
  }

  /** JAVA_OPTS_APPEND of the operator container in deploy/operator-deployment.yaml. */
  @SuppressWarnings("unchecked")
  public static String deployedJavaOptions() throws IOException {
    String yaml = Files.readString(Path.of("../../deploy/operator-deployment.yaml"));
    for (Object doc : new Yaml().loadAll(yaml)) {
      if (doc instanceof Map<?, ?> map && "Deployment".equals(map.get("kind"))) {
        Map<String, Object> spec =
            (Map<String, Object>)
                ((Map<String, Object>) ((Map<String, Object>) map.get("spec")).get("template"))
                    .get("spec");
        var container = ((List<Map<String, Object>>) spec.get("containers")).get(0);
        for (var env : (List<Map<String, Object>>) container.get("env")) {
          if ("JAVA_OPTS_APPEND".equals(env.get("name"))) {
            return ((String) env.get("value")).strip();
          }
        }
      }
    }
    throw new IOException("no JAVA_OPTS_APPEND in deploy/operator-deployment.yaml");
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("the operator exited with " + process.exitValue() + ": " + tail());
      }
      try {
        if (get("/q/health/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet: the HTTP server starts after the informers have synced
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("the operator did not become ready: " + tail());
      }
      Thread.sleep(250);
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** What /q/metrics serves (Prometheus text format). */
  public String metrics() throws IOException, InterruptedException {
    HttpResponse<String> r = get("/q/metrics");
    if (r.statusCode() != 200) {
      throw new IOException("/q/metrics answered " + r.statusCode());
    }
    return r.body();
  }

  /** The sum of a counter's samples over every label set, 0 when it is not exported. */
  public double counter(String name) throws IOException, InterruptedException {
    double sum = 0;
    for (String line : metrics().split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** Everything the operator logged so far. */
  public String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** How long ago it was started. */
  public Duration uptime() {
    return Duration.between(started, Instant.now());
  }

  /** Its process id (for RSS and CPU time). */
  public long pid() {
    return process.pid();
  }

  /** True while the process runs. */
  public boolean alive() {
    return process.isAlive();
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** SIGKILL, as a crash or an OOM kill ends it: nothing of it runs on. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
    close();
  }

  /** SIGTERM, as the kubelet stops a pod; SIGKILL if it has not stopped within 15 s. */
  @Override
  public void close() {
    ControlPlane.stop(process);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook stops it anyway
    }
  }
}
