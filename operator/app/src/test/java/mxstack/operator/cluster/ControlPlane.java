package mxstack.operator.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver (RBAC, admission,
 * server-side apply, CEL, an audit log of the operator's requests) and kube-controller-manager
 * (garbage collector, Deployment, ReplicaSet and StatefulSet controllers, ServiceAccounts), from
 * the binaries scripts/setup-control-plane.sh builds. No scheduler and no kubelet: pods stay
 * Pending unless a {@link TestKubelet} reports them. Everything lives in a temporary directory that
 * {@link #close()} removes (kept when MXSTACK_KEEP_TEST_DIRS is set), with every process it
 * started.
 */
public final class ControlPlane implements AutoCloseable {

  /** The user the operator's ServiceAccount token authenticates as. */
  public static final String OPERATOR_USER =
      "system:serviceaccount:mxstack-system:mxstack-operator";

  /** Bounds of every wait here: generous, for a loaded two-core machine. */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

  private final Path bin;
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final String adminToken = randomToken();
  private final String controllerManagerToken = randomToken();
  private final int etcdPort;
  private final int etcdPeerPort;
  private final int apiPort;
  private final int controllerManagerPort;

  /** Stops it, and cleans up, also when the JVM exits without {@link #close()} (killed). */
  private final Thread shutdownHook = new Thread(this::stopAndClean, "control-plane-stop");

  private KubernetesClient admin;

  private ControlPlane(Path bin, Path dir) throws IOException {
    this.bin = bin;
    this.dir = dir;
    int[] ports = freePorts(4);
    etcdPort = ports[0];
    etcdPeerPort = ports[1];
    apiPort = ports[2];
    controllerManagerPort = ports[3];
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * The directory with the binaries: MXSTACK_CONTROL_PLANE_BIN (set by .ci/run), else where
   * scripts/setup-control-plane.sh caches them for the versions in its committed go.mod files.
   * Empty when the binaries are not there.
   */
  public static Optional<Path> binaries() {
    String configured = System.getenv("MXSTACK_CONTROL_PLANE_BIN");
    Path dir = configured != null && !configured.isBlank() ? Path.of(configured) : defaultCache();
    for (String b : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kubectl")) {
      if (dir == null || !Files.isExecutable(dir.resolve(b))) {
        return Optional.empty();
      }
    }
    return Optional.of(dir);
  }

  /** Where the binaries are expected, for messages. */
  public static String expectedLocation() {
    String configured = System.getenv("MXSTACK_CONTROL_PLANE_BIN");
    return configured != null ? configured : String.valueOf(defaultCache());
  }

  private static Path defaultCache() {
    try {
      String k8s = goModRequire("kube", "k8s.io/kubernetes");
      String etcd = goModRequire("etcd", "go.etcd.io/etcd/server/v3");
      String root = System.getenv("MXSTACK_CACHE");
      Path cache;
      if (root != null && !root.isBlank()) {
        cache = Path.of(root);
      } else {
        String xdg = System.getenv("XDG_CACHE_HOME");
        cache =
            (xdg != null && !xdg.isBlank()
                    ? Path.of(xdg)
                    : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("mxstack");
      }
      return cache.resolve("control-plane/k8s-" + k8s + "-etcd-" + etcd + "/bin");
    } catch (IOException e) {
      return null;
    }
  }

  private static String goModRequire(String module, String dependency) throws IOException {
    for (String line :
        Files.readAllLines(REPO.resolve("scripts/control-plane/" + module + "/go.mod"))) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[0].equals("require") && f[1].equals(dependency)) {
        return f[2];
      }
    }
    throw new IOException("no require " + dependency + " in the " + module + " go.mod");
  }

  /**
   * Starts etcd and the API server; {@link #startControllerManager()} comes after the CRDs are
   * installed, so that its garbage collector knows them from the start.
   */
  public static ControlPlane startApiServer(Path bin) throws Exception {
    Path dir = Files.createTempDirectory("mxstack-control-plane-");
    ControlPlane cp = new ControlPlane(bin, dir);
    try {
      cp.writeCredentials();
      cp.startEtcd();
      cp.startKubeApiServer();
      return cp;
    } catch (Exception | Error e) {
      cp.close();
      throw e;
    }
  }

  private void writeCredentials() throws Exception {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=mxstack-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt");
    signed(
        "apiserver",
        "/CN=kube-apiserver",
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
            + "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n"
            + "keyUsage=critical,digitalSignature,keyEncipherment\n"
            + "extendedKeyUsage=serverAuth\n",
        "ca");
    openssl("genrsa", "-out", "sa.key", "2048");
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=front-proxy-ca",
        "-keyout",
        "front-proxy-ca.key",
        "-out",
        "front-proxy-ca.crt");
    signed(
        "front-proxy-client",
        "/CN=front-proxy-client",
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
        "front-proxy-ca");
    Files.writeString(
        dir.resolve("tokens.csv"),
        adminToken
            + ",admin,admin-uid,\"system:masters\"\n"
            + controllerManagerToken
            + ",system:kube-controller-manager,kcm-uid\n");
    // Only the operator's requests, at metadata level, once each when complete.
    Files.writeString(
        dir.resolve("audit-policy.yaml"),
        """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived, ResponseStarted]
        rules:
          - level: Metadata
            users: ["%s"]
          - level: None
        """
            .formatted(OPERATOR_USER));
    Files.writeString(dir.resolve("admin.kubeconfig"), kubeconfig(adminToken));
    Files.writeString(dir.resolve("kcm.kubeconfig"), kubeconfig(controllerManagerToken));
    Files.createDirectories(dir.resolve("flexvolume"));
  }

  private void signed(String name, String subject, String extensions, String ca) throws Exception {
    Files.writeString(dir.resolve(name + ".ext"), extensions);
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        subject,
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr");
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        ca + ".crt",
        "-CAkey",
        ca + ".key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        name + ".ext",
        "-out",
        name + ".crt");
  }

  private void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Path log = dir.resolve("openssl.log");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl " + args[0] + " did not finish within 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + tail(log));
    }
  }

  /** A kubeconfig for this API server that authenticates with a bearer token. */
  public String kubeconfig(String token) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
          - name: test
            cluster:
              server: %s
              certificate-authority: %s
        users:
          - name: user
            user:
              token: %s
        contexts:
          - name: test
            context: {cluster: test, user: user}
        current-context: test
        """
        .formatted(url(), dir.resolve("ca.crt"), token);
  }

  /** The API server's URL. */
  public String url() {
    return "https://127.0.0.1:" + apiPort;
  }

  /** The temporary directory (certificates, data, logs). */
  public Path dir() {
    return dir;
  }

  private void startEtcd() throws Exception {
    String client = "http://127.0.0.1:" + etcdPort;
    String peer = "http://127.0.0.1:" + etcdPeerPort;
    start(
        "etcd",
        "--name=etcd0",
        "--data-dir=" + dir.resolve("etcd"),
        "--listen-client-urls=" + client,
        "--advertise-client-urls=" + client,
        "--listen-peer-urls=" + peer,
        "--initial-advertise-peer-urls=" + peer,
        "--initial-cluster=etcd0=" + peer,
        "--initial-cluster-state=new",
        "--log-level=warn");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    waitFor(
        "etcd to be healthy",
        "etcd",
        () -> {
          try {
            HttpResponse<String> r =
                http.send(
                    HttpRequest.newBuilder(URI.create(client + "/health"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"true\"");
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  private void startKubeApiServer() throws Exception {
    start(
        "kube-apiserver",
        "--etcd-servers=http://127.0.0.1:" + etcdPort,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--secure-port=" + apiPort,
        "--cert-dir=" + dir.resolve("apiserver-certs"),
        "--tls-cert-file=" + dir.resolve("apiserver.crt"),
        "--tls-private-key-file=" + dir.resolve("apiserver.key"),
        "--client-ca-file=" + dir.resolve("ca.crt"),
        "--token-auth-file=" + dir.resolve("tokens.csv"),
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + dir.resolve("sa.pub"),
        "--service-account-signing-key-file=" + dir.resolve("sa.key"),
        // three Services per MatrixDeployment: room for the benchmark's hundreds
        "--service-cluster-ip-range=10.96.0.0/16",
        "--endpoint-reconciler-type=none",
        "--requestheader-client-ca-file=" + dir.resolve("front-proxy-ca.crt"),
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        "--proxy-client-cert-file=" + dir.resolve("front-proxy-client.crt"),
        "--proxy-client-key-file=" + dir.resolve("front-proxy-client.key"),
        "--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
        "--audit-log-path=" + auditLogPath(),
        "--audit-log-format=json",
        "--audit-log-mode=blocking",
        "--audit-log-maxsize=0");
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(trusting(dir.resolve("ca.crt")))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    waitFor(
        "the API server to be ready",
        "kube-apiserver",
        () -> {
          try {
            return http.send(
                        HttpRequest.newBuilder(URI.create(url() + "/readyz"))
                            .header("Authorization", "Bearer " + adminToken)
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  /**
   * Starts the controller manager and waits until its controllers act: it holds its lease and the
   * ServiceAccount controller has made the default namespace's ServiceAccount.
   */
  public void startControllerManager() throws Exception {
    Path kubeconfig = dir.resolve("kcm.kubeconfig");
    start(
        "kube-controller-manager",
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--bind-address=127.0.0.1",
        "--secure-port=" + controllerManagerPort,
        "--cert-dir=" + dir.resolve("kcm-certs"),
        "--use-service-account-credentials=true",
        "--service-account-private-key-file=" + dir.resolve("sa.key"),
        "--root-ca-file=" + dir.resolve("ca.crt"),
        "--cluster-signing-cert-file=" + dir.resolve("ca.crt"),
        "--cluster-signing-key-file=" + dir.resolve("ca.key"),
        "--leader-elect=true",
        "--flex-volume-plugin-dir=" + dir.resolve("flexvolume"));
    waitFor(
        "the controller manager's controllers",
        "kube-controller-manager",
        () ->
            admin().leases().inNamespace("kube-system").withName("kube-controller-manager").get()
                    != null
                && admin().serviceAccounts().inNamespace("default").withName("default").get()
                    != null);
  }

  /** A client with cluster-admin rights (system:masters), for the tests' own requests. */
  public synchronized KubernetesClient admin() {
    if (admin == null) {
      admin = client(adminToken);
    }
    return admin;
  }

  /** A client that authenticates with this token. */
  public KubernetesClient client(String token) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url())
            .withCaCertFile(dir.resolve("ca.crt").toString())
            .withOauthToken(token)
            .withRequestTimeout(30_000)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Runs kubectl as the admin and returns its standard output; fails with its error output. */
  public String kubectl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(bin.resolve("kubectl").toString()));
    command.add("--kubeconfig=" + dir.resolve("admin.kubeconfig"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "kubectl-", ".out");
    Path err = Files.createTempFile(dir, "kubectl-", ".err");
    Process p =
        new ProcessBuilder(command)
            .directory(REPO.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException("kubectl " + String.join(" ", args) + " did not finish in 120 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "kubectl " + String.join(" ", args) + " failed: " + Files.readString(err));
      }
      return Files.readString(out);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** The API server's audit log: every request the operator's ServiceAccount made. */
  public AuditLog auditLog() {
    return new AuditLog(auditLogPath());
  }

  private Path auditLogPath() {
    return dir.resolve("audit.log");
  }

  private void start(String binary, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(bin.resolve(binary).toString()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(binary + ".log").toFile())
            .start();
    synchronized (processes) {
      processes.add(p);
    }
  }

  private void waitFor(String what, String binary, BooleanSupplier ready) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Process process;
    synchronized (processes) {
      process = processes.get(processes.size() - 1);
    }
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            binary + " exited with " + process.exitValue() + ": " + tail(log(binary)));
      }
      try {
        if (ready.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // not answering yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "timed out after "
                + START_TIMEOUT.toSeconds()
                + " s waiting for "
                + what
                + ": "
                + tail(log(binary)));
      }
      Thread.sleep(200);
    }
  }

  private Path log(String binary) {
    return dir.resolve(binary + ".log");
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops every process it started (last first) and removes the directory. */
  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
    stopAndClean();
  }

  private void stopAndClean() {
    stopProcesses();
    if (System.getenv("MXSTACK_KEEP_TEST_DIRS") == null) {
      deleteRecursively(dir);
    } else {
      System.err.println("control plane directory kept: " + dir);
    }
  }

  private void stopProcesses() {
    List<Process> running;
    synchronized (processes) {
      running = new ArrayList<>(processes);
      processes.clear();
    }
    for (int i = running.size() - 1; i >= 0; i--) {
      stop(running.get(i));
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Free TCP ports on the loopback interface. */
  static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static SSLContext trusting(Path caFile) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = Files.newInputStream(caFile)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }
}
