package mxstack.operator;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/**
 * The scale benchmark's other half (bench/operator-scale.sh): a Fabric8 mock API server in CRUD
 * mode in this process, the operator in a process of its own. Creates N MatrixDeployments at once,
 * waits until each has its objects and status, and prints the time and the operator process's RSS.
 * Prints figures; asserts nothing.
 */
public final class OperatorScaleBench {

  /**
   * One log line per request would cost more than the operator's work being measured. Held in a
   * field: the logging framework keeps loggers only weakly, and a collected one comes back at its
   * default level.
   */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger(MockWebServer.class.getName());

  private OperatorScaleBench() {}

  /** Arguments: port, count, then the operator command line. */
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    List<String> operatorCommand = List.of(args).subList(2, args.length);
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            false);
    server.init(InetAddress.getLoopbackAddress(), port);
    KubernetesClient client = server.createClient();
    try (var crd = new FileInputStream("../../crds/matrixdeployments.mxstack.internal-v1.yml")) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(Serialization.unmarshal(crd, CustomResourceDefinition.class))
          .create();
    }
    ProcessBuilder builder = new ProcessBuilder(operatorCommand);
    builder
        .environment()
        .put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "http://127.0.0.1:" + port);
    builder.environment().put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true");
    builder.environment().put("QUARKUS_HTTP_PORT", "0");
    builder.redirectErrorStream(true).redirectOutput(Path.of("target/operator-bench.log").toFile());
    Process operator = builder.start();
    try {
      Thread.sleep(8000); // the operator starts and syncs its informers
      long idleRss = rss(operator.pid());
      for (int i = 0; i < count; i++) {
        TestObjects.createDbSecret(client, "scale-" + i, "bench");
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        client
            .resources(MatrixDeployment.class)
            .inNamespace("scale-" + i)
            .resource(TestObjects.masMinimal("scale-" + i, "md" + i))
            .create();
      }
      long deadline = System.nanoTime() + 300_000_000_000L;
      while (System.nanoTime() < deadline) {
        long done =
            client.resources(MatrixDeployment.class).inAnyNamespace().list().getItems().stream()
                .filter(
                    m -> m.getStatus() != null && m.getStatus().condition("SecretsReady") != null)
                .count();
        int sets = client.apps().statefulSets().inAnyNamespace().list().getItems().size();
        int ingresses = client.network().v1().ingresses().inAnyNamespace().list().getItems().size();
        if (done >= count && sets >= count && ingresses >= count) {
          break;
        }
        Thread.sleep(500);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(5000);
      System.out.printf(
          "operator alone (own process; mock API server in the benchmark's process)%n");
      System.out.printf(
          "  %d MatrixDeployments created at once: all objects and status after %.1f s (target <= 30 s)%n",
          count, seconds);
      long afterRss = rss(operator.pid());
      Thread.sleep(25000);
      System.out.printf(
          "  operator RSS: %.0f MB idle after start, %.0f MB 5 s after the %d deployments, %.0f MB"
              + " 30 s after (target <= 200 MB)%n",
          idleRss / 1024.0, afterRss / 1024.0, count, rss(operator.pid()) / 1024.0);
      if (operatorCommand.stream().anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking="))) {
        System.out.println("  the JVM's own accounting of that memory (NMT, committed):");
        Process jcmd =
            new ProcessBuilder(
                    "jcmd",
                    Long.toString(operator.pid()),
                    "VM.native_memory",
                    "summary",
                    "scale=MB")
                .redirectErrorStream(true)
                .start();
        new String(jcmd.getInputStream().readAllBytes())
            .lines()
            .filter(l -> l.matches("^(Total:|-\\s+\\S.*\\().*reserved=.*"))
            .forEach(l -> System.out.println("    " + l.replaceFirst("^-\\s+", "").strip()));
        jcmd.waitFor();
        System.out.println("  " + rssByKind(operator.pid()));
        for (String[] command :
            List.of(
                new String[] {"GC.run"},
                new String[] {"GC.heap_info"},
                new String[] {"GC.class_histogram"})) {
          List<String> line = new java.util.ArrayList<>(List.of("jcmd", "" + operator.pid()));
          line.addAll(List.of(command));
          Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
          String out = new String(p.getInputStream().readAllBytes());
          p.waitFor();
          if (command[0].equals("GC.heap_info")) {
            System.out.println("  after a full collection: " + out.lines().skip(1).toList());
            System.out.printf("  operator RSS after it: %.0f MB%n", rss(operator.pid()) / 1024.0);
          } else if (command[0].equals("GC.class_histogram")) {
            Files.writeString(Path.of("target/operator-histogram.txt"), out);
            System.out.println("  live objects by class: target/operator-histogram.txt");
          }
        }
      }
    } finally {
      operator.destroy();
      operator.waitFor();
      server.destroy();
    }
    System.exit(0);
  }

  /** RSS split into anonymous memory and file-backed pages (libjvm.so, the CDS archive, jars). */
  private static String rssByKind(long pid) throws Exception {
    Map<String, Long> kb = new java.util.TreeMap<>();
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
      String[] f = l.split("\\s+");
      if (f.length == 3 && (f[0].equals("Anonymous:") || f[0].equals("Rss:"))) {
        kb.put(f[0], Long.parseLong(f[1]));
      }
    }
    long anon = kb.getOrDefault("Anonymous:", 0L);
    return String.format(
        "RSS by kind: %.0f MB anonymous, %.0f MB file-backed",
        anon / 1024.0, (kb.getOrDefault("Rss:", 0L) - anon) / 1024.0);
  }

  private static long rss(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .map(l -> Long.parseLong(l.replaceAll("\\D", "")))
        .findFirst()
        .orElse(0L);
  }
}
