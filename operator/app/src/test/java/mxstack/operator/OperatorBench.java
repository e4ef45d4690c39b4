package mxstack.operator;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Operator benchmark on the Fabric8 mock server (not part of the default test run:
 * bench/operator.sh runs it). Prints figures; asserts nothing. The RSS figure is the whole test JVM
 * (operator, Quarkus, the mock API server and its stored objects), an upper bound of the operator's
 * own.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorBench {

  @KubernetesTestServer KubernetesServer server;

  @Inject KubernetesClient client;

  List<RecordedRequest> drain() throws InterruptedException {
    List<RecordedRequest> all = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.getKubernetesMockServer().takeRequest(20, TimeUnit.MILLISECONDS)) != null) {
      all.add(r);
    }
    return all;
  }

  boolean complete(String ns, String name) {
    return client.resources(StatefulSet.class).inNamespace(ns).withName(name + "-synapse").get()
            != null
        && client.resources(Ingress.class).inNamespace(ns).withName(name).get() != null
        && client.resources(MatrixDeployment.class).inNamespace(ns).withName(name).get().getStatus()
            != null;
  }

  @Test
  void measure() throws Exception {
    System.out.println("\nmxstack operator benchmark (Fabric8 mock server, CRUD mode, SSA off)");
    TestObjects.createDbSecret(client, "bench-one", "bench-password");
    drain();
    long t0 = System.nanoTime();
    client
        .resources(MatrixDeployment.class)
        .inNamespace("bench-one")
        .resource(TestObjects.masMinimal("bench-one", "one"))
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> complete("bench-one", "one"));
    long firstMillis = (System.nanoTime() - t0) / 1_000_000;
    Thread.sleep(2000);
    List<RecordedRequest> first = drain();
    long firstMutating = first.stream().filter(r -> !r.getMethod().equals("GET")).count();
    System.out.printf(
        "1. first reconcile of one MatrixDeployment: %d ms to all objects and status; %d API requests (%d mutating, incl. the test's create and polling GETs)%n",
        firstMillis, first.size(), firstMutating);

    client
        .secrets()
        .inNamespace("bench-one")
        .withName("db")
        .edit(
            s -> {
              s.getMetadata().setLabels(Map.of("touched", "yes"));
              return s;
            });
    Thread.sleep(MatrixDeploymentReconciler.RECHECK.toMillis() + 2000);
    long noOpMutating =
        drain().stream()
            .filter(r -> !r.getMethod().equals("GET"))
            .filter(r -> !r.getPath().contains("/secrets/db"))
            .count();
    System.out.printf(
        "2. no-op reconciles (a touched referenced Secret and the 10 s re-check): %d mutating requests (target 0)%n",
        noOpMutating);

    int count = Integer.getInteger("bench.count", 200);
    for (int i = 0; i < count; i++) {
      TestObjects.createDbSecret(client, "bench-" + i, "bench-password");
    }
    long t1 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      client
          .resources(MatrixDeployment.class)
          .inNamespace("bench-" + i)
          .resource(TestObjects.masMinimal("bench-" + i, "md" + i))
          .create();
    }
    // Poll with three list calls, not thousands of gets: the mock server is shared with the
    // operator, and heavy polling would slow what is measured.
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                client.apps().statefulSets().inAnyNamespace().list().getItems().size() >= count + 1
                    && client.network().v1().ingresses().inAnyNamespace().list().getItems().size()
                        >= count + 1
                    && client
                            .resources(MatrixDeployment.class)
                            .inAnyNamespace()
                            .list()
                            .getItems()
                            .stream()
                            .filter(m -> m.getStatus() != null)
                            .count()
                        >= count + 1);
    long manyMillis = (System.nanoTime() - t1) / 1_000_000;
    System.out.printf(
        "3. %d MatrixDeployments created at once: all objects and status after %.1f s (target <= 30 s)%n",
        count, manyMillis / 1000.0);
    System.gc();
    Thread.sleep(1000);
    long rssKb =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("VmRSS:"))
            .map(l -> Long.parseLong(l.replaceAll("\\D", "")))
            .findFirst()
            .orElse(0L);
    Runtime rt = Runtime.getRuntime();
    System.out.printf(
        "4. RSS after that: %.0f MB for the whole test JVM (operator + Quarkus + mock API server holding %d objects); heap used %.0f MB (target <= 200 MB)%n",
        rssKb / 1024.0, count * 11, (rt.totalMemory() - rt.freeMemory()) / 1024.0 / 1024.0);
    drain();
  }
}
