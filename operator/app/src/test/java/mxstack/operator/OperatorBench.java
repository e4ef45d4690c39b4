package mxstack.operator;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import mxstack.operator.cluster.AuditLog;
import mxstack.operator.cluster.ControlPlane;
import mxstack.operator.cluster.OperatorProcess;
import mxstack.operator.cluster.TestKubelet;

/**
 * The operator benchmark (bench/operator.sh): the packaged operator, as shipped, in a process of
 * its own against a real control plane (etcd, kube-apiserver, kube-controller-manager) on the same
 * machine. Prints figures; asserts nothing. Requests are counted from the API server's audit log of
 * the operator's ServiceAccount, CPU time and RSS from /proc.
 */
public final class OperatorBench {

  private OperatorBench() {}

  /** Argument: how many MatrixDeployments to create at once (default 200). */
  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path bin =
        ControlPlane.binaries()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no control plane at " + ControlPlane.expectedLocation()));
    try (ControlPlane cp = ControlPlane.startApiServer(bin)) {
      cp.kubectl("apply", "--server-side", "-k", "deploy/");
      cp.admin()
          .resources(CustomResourceDefinition.class)
          .withName("matrixdeployments.mxstack.internal")
          .waitUntilCondition(
              c ->
                  c != null
                      && c.getStatus() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(x -> "Established".equals(x.getType())),
              60,
              TimeUnit.SECONDS);
      cp.startControllerManager();
      run(cp, count);
    }
    System.exit(0);
  }

  private static void run(ControlPlane cp, int count) throws Exception {
    KubernetesClient admin = cp.admin();
    AuditLog audit = cp.auditLog();
    System.out.printf(
        "mxstack operator benchmark: packaged operator (SSA on, ServiceAccount token), real"
            + " kube-apiserver, etcd and controller manager on this machine%n");
    System.out.println("operator JVM flags: " + OperatorProcess.deployedJavaOptions());
    try (TestKubelet kubelet = new TestKubelet(admin);
        OperatorProcess operator = OperatorProcess.start(cp, "operator-bench")) {
      Thread.sleep(5000);
      long idleRss = rssKb(operator.pid());

      // 1. One MatrixDeployment, from creation to every object and its status.
      namespace(admin, "bench-one");
      TestObjects.createDbSecret(admin, "bench-one", "bench-password");
      long mark = audit.mark();
      long t0 = System.nanoTime();
      admin
          .resources(MatrixDeployment.class)
          .resource(TestObjects.masMinimal("bench-one", "one"))
          .create();
      waitFor(Duration.ofSeconds(60), () -> complete(admin, "bench-one", "one"));
      double firstMs = (System.nanoTime() - t0) / 1e6;
      Thread.sleep(2000); // the reconciles its own creations cause
      List<AuditLog.Entry> first = audit.since(mark);
      System.out.printf(
          "1. first reconcile of one MatrixDeployment: %.0f ms to every object and the status;"
              + " %d API requests, %d of them writes (the Secret label included)%n",
          firstMs, first.size(), first.stream().filter(AuditLog.Entry::write).count());

      // 2. Nothing to change: the 10 s re-check (its pods never start) and a touched Secret.
      mark = audit.mark();
      admin
          .secrets()
          .inNamespace("bench-one")
          .withName("db")
          .edit(
              s -> {
                s.getMetadata().getLabels().put("touched", "yes");
                return s;
              });
      Thread.sleep(62_000);
      System.out.printf(
          "2. writes of no-op reconciles over 62 s (a touched referenced Secret, six re-checks):"
              + " %d%n",
          audit.writesSince(mark).size());

      // 3. count MatrixDeployments at once.
      for (int i = 0; i < count; i++) {
        namespace(admin, "bench-" + i);
        TestObjects.createDbSecret(admin, "bench-" + i, "bench-password");
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        admin
            .resources(MatrixDeployment.class)
            .resource(TestObjects.masMinimal("bench-" + i, "md" + i))
            .create();
      }
      waitFor(
          Duration.ofMinutes(15),
          () ->
              countWithStatus(admin) >= count + 1
                  && admin.apps().statefulSets().inAnyNamespace().list().getItems().size()
                      >= count + 1
                  && admin.network().v1().ingresses().inAnyNamespace().list().getItems().size()
                      >= count + 1);
      double manySeconds = (System.nanoTime() - t1) / 1e9;
      System.out.printf(
          "3. %d MatrixDeployments created at once: every object and status after %.1f s%n",
          count, manySeconds);
      Thread.sleep(5000);
      long rss5 = rssKb(operator.pid());
      Thread.sleep(25_000);
      long rss30 = rssKb(operator.pid());
      System.out.printf(
          "4. operator RSS: %.0f MB idle after start, %.0f MB 5 s after the %d, %.0f MB 30 s"
              + " after%n",
          idleRss / 1024.0, rss5 / 1024.0, count, rss30 / 1024.0);

      // 5. Steady state: CPU time over a minute, pods not started (every deployment re-checked
      // every 10 s), then every pod ready (nothing to look at again).
      mark = audit.mark();
      double pending = cpuSecondsPerMinute(operator.pid());
      long pendingWrites = audit.writesSince(mark).size();
      kubelet.rule(pod -> TestKubelet.PodState.READY);
      waitFor(Duration.ofMinutes(15), () -> countReady(admin) >= count + 1);
      Thread.sleep(10_000);
      mark = audit.mark();
      double ready = cpuSecondsPerMinute(operator.pid());
      System.out.printf(
          "5. steady state with %d idle MatrixDeployments: %.1f CPU-seconds a minute while their"
              + " pods wait (each re-checked every 10 s; %d writes), %.1f once every pod is ready"
              + " (%d writes)%n",
          count + 1, pending, pendingWrites, ready, audit.writesSince(mark).size());
      System.out.printf(
          "   operator RSS at the end: %.0f MB; kube-apiserver, etcd and controller manager"
              + " share the same two cores%n",
          rssKb(operator.pid()) / 1024.0);
    }
  }

  private static void namespace(KubernetesClient admin, String name) {
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private static boolean complete(KubernetesClient admin, String ns, String name) {
    MatrixDeployment md =
        admin.resources(MatrixDeployment.class).inNamespace(ns).withName(name).get();
    return md.getStatus() != null
        && md.getStatus().condition("SecretsReady") != null
        && admin.apps().statefulSets().inNamespace(ns).withName(name + "-synapse").get() != null
        && admin.apps().deployments().inNamespace(ns).withName(name + "-mas").get() != null
        && admin.apps().deployments().inNamespace(ns).withName(name + "-router").get() != null
        && admin.network().v1().ingresses().inNamespace(ns).withName(name).get() != null;
  }

  private static long countWithStatus(KubernetesClient admin) {
    return admin.resources(MatrixDeployment.class).inAnyNamespace().list().getItems().stream()
        .filter(m -> m.getStatus() != null && m.getStatus().condition("SecretsReady") != null)
        .count();
  }

  private static long countReady(KubernetesClient admin) {
    return admin.resources(MatrixDeployment.class).inAnyNamespace().list().getItems().stream()
        .filter(
            m ->
                m.getStatus() != null
                    && m.getStatus().condition("Ready") != null
                    && "True".equals(m.getStatus().condition("Ready").getStatus()))
        .count();
  }

  private static void waitFor(Duration bound, BooleanSupplier done) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not done within " + bound);
      }
      Thread.sleep(500);
    }
  }

  /** The process's user and system CPU time over the next 60 s. */
  private static double cpuSecondsPerMinute(long pid) throws Exception {
    double before = cpuSeconds(pid);
    Thread.sleep(60_000);
    return cpuSeconds(pid) - before;
  }

  private static double cpuSeconds(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s on Linux
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  private static long rssKb(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .map(l -> Long.parseLong(l.replaceAll("\\D", "")))
        .findFirst()
        .orElse(0L);
  }
}
