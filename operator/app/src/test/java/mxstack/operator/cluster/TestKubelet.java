package mxstack.operator.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Stands in for the kubelet of a node that has no container runtime: it reports the pods of the
 * operator's workloads as their containers would run, by writing pod status as a kubelet does
 * (phase, conditions, container statuses). What each pod does is the test's {@link #rule}: stay
 * Pending (the default: no kubelet took it), become Ready, or crash-loop (a container that keeps
 * exiting, never Ready). The StatefulSet, ReplicaSet and Deployment controllers then count ready
 * replicas from those statuses exactly as in a cluster.
 *
 * <p>A Job's pod ends as its container would: {@link #jobRule} gives its exit status and
 * termination message, written as the kubelet reports a terminated container (phase Succeeded or
 * Failed, {@code state.terminated.exitCode} and {@code message}); the real Job controller then
 * completes or fails the Job, applying its pod failure policy and backoff limit. No command runs:
 * this stands in for the kubelet and the container, saying how the step would have ended.
 */
public final class TestKubelet implements AutoCloseable {

  /** What a pod's containers do. */
  public enum PodState {
    /** Not started: no node took the pod. */
    PENDING,
    /** Running and passing their readiness probes. */
    READY,
    /** Exiting right after start, restarted with back-off, never ready. */
    CRASH_LOOPING
  }

  private final KubernetesClient client;
  private final SharedIndexInformer<Pod> informer;
  private final ExecutorService writer = Executors.newSingleThreadExecutor();
  private volatile Function<Pod, PodState> rule = pod -> PodState.PENDING;
  private volatile Function<Pod, Termination> jobRule = pod -> null;

  /**
   * How a Job's container ended.
   *
   * @param exitCode its exit status (0: the pod succeeded)
   * @param message its termination message: what it wrote to /dev/termination-log, or the end of
   *     its output when it failed without writing there
   */
  public record Termination(int exitCode, String message) {}

  /** Label the Job controller puts on the pods of a Job. */
  public static final String JOB_NAME = "batch.kubernetes.io/job-name";

  /** Watches the pods of every MatrixDeployment's workloads, in every namespace. */
  public TestKubelet(KubernetesClient admin) {
    this.client = admin;
    this.informer =
        admin
            .pods()
            .inAnyNamespace()
            .withLabel("app.kubernetes.io/part-of", "mxstack")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    submit(pod);
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    submit(pod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknownFinalState) {}
                });
  }

  /** Sets what every pod does from now on, including the pods that exist already. */
  public void rule(Function<Pod, PodState> rule) {
    this.rule = rule;
    informer.getStore().list().forEach(this::submit);
  }

  /**
   * Sets how the pods of Jobs end from now on, including the ones that exist (null: not yet, it
   * stays Pending). Pods that ended already stay as they are.
   */
  public void jobRule(Function<Pod, Termination> rule) {
    this.jobRule = rule;
    informer.getStore().list().forEach(this::submit);
  }

  private void submit(Pod pod) {
    writer.execute(() -> apply(pod));
  }

  private void apply(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    if (pod.getMetadata().getLabels().containsKey(JOB_NAME)) {
      end(pod);
      return;
    }
    PodState wanted = rule.apply(pod);
    if (wanted == PodState.PENDING || wanted == current(pod)) {
      return;
    }
    patchStatus(pod, status(pod, wanted));
  }

  private void end(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return;
    }
    Termination t = jobRule.apply(pod);
    if (t == null) {
      return;
    }
    patchStatus(pod, terminated(pod, t));
  }

  private void patchStatus(Pod pod, String status) {
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), status);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) { // deleted meanwhile: nothing to report
        System.err.println(
            "test kubelet: status of pod " + pod.getMetadata().getName() + ": " + e.getMessage());
      }
    }
  }

  /** The status a kubelet writes for a pod whose one container exited. */
  private static String terminated(Pod pod, Termination t) {
    String now = Instant.now().toString().replaceFirst("\\.\\d+Z$", "Z");
    List<Map<String, Object>> conditions = new ArrayList<>();
    for (String type :
        List.of("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready")) {
      boolean value = !(type.equals("ContainersReady") || type.equals("Ready"));
      Map<String, Object> condition = new java.util.LinkedHashMap<>();
      condition.put("type", type);
      condition.put("status", value ? "True" : "False");
      condition.put("lastTransitionTime", now);
      if (!value) {
        condition.put("reason", "PodCompleted");
      }
      conditions.add(condition);
    }
    conditions.add(Map.of("type", "PodScheduled", "status", "True", "lastTransitionTime", now));
    List<Map<String, Object>> containers =
        pod.getSpec().getContainers().stream()
            .map(
                c -> {
                  Map<String, Object> terminated = new java.util.LinkedHashMap<>();
                  terminated.put("exitCode", t.exitCode());
                  terminated.put("reason", t.exitCode() == 0 ? "Completed" : "Error");
                  if (t.message() != null && !t.message().isEmpty()) {
                    terminated.put("message", t.message());
                  }
                  terminated.put("startedAt", now);
                  terminated.put("finishedAt", now);
                  Map<String, Object> s = new java.util.LinkedHashMap<>();
                  s.put("name", c.getName());
                  s.put("image", c.getImage());
                  s.put("imageID", "");
                  s.put("ready", false);
                  s.put("started", false);
                  s.put("restartCount", 0);
                  s.put("state", Map.of("terminated", terminated));
                  return s;
                })
            .collect(Collectors.toList());
    Map<String, Object> status = new java.util.LinkedHashMap<>();
    status.put("phase", t.exitCode() == 0 ? "Succeeded" : "Failed");
    status.put("conditions", conditions);
    status.put("containerStatuses", containers);
    status.put("startTime", now);
    status.put("hostIP", "127.0.0.1");
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(Map.of("status", status));
  }

  private static PodState current(Pod pod) {
    if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
      return PodState.PENDING;
    }
    boolean ready =
        pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return ready ? PodState.READY : PodState.CRASH_LOOPING;
  }

  private static String status(Pod pod, PodState state) {
    String now = Instant.now().toString().replaceFirst("\\.\\d+Z$", "Z");
    boolean ready = state == PodState.READY;
    List<Map<String, Object>> conditions = new ArrayList<>();
    for (String type :
        List.of("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready")) {
      boolean value = ready || !(type.equals("ContainersReady") || type.equals("Ready"));
      Map<String, Object> condition = new java.util.LinkedHashMap<>();
      condition.put("type", type);
      condition.put("status", value ? "True" : "False");
      condition.put("lastTransitionTime", now);
      if (!value) {
        condition.put("reason", "ContainersNotReady");
      }
      conditions.add(condition);
    }
    conditions.add(Map.of("type", "PodScheduled", "status", "True", "lastTransitionTime", now));
    List<Map<String, Object>> containers =
        pod.getSpec().getContainers().stream()
            .map(
                c -> {
                  Map<String, Object> s = new java.util.LinkedHashMap<>();
                  s.put("name", c.getName());
                  s.put("image", c.getImage());
                  s.put("imageID", "");
                  s.put("ready", ready);
                  s.put("started", ready);
                  s.put("restartCount", ready ? 0 : 4);
                  s.put(
                      "state",
                      ready
                          ? Map.of("running", Map.of("startedAt", now))
                          : Map.of(
                              "waiting",
                              Map.of(
                                  "reason",
                                  "CrashLoopBackOff",
                                  "message",
                                  "back-off restarting failed container")));
                  if (!ready) {
                    s.put(
                        "lastState",
                        Map.of(
                            "terminated",
                            Map.of(
                                "exitCode",
                                1,
                                "reason",
                                "Error",
                                "startedAt",
                                now,
                                "finishedAt",
                                now)));
                  }
                  return s;
                })
            .collect(Collectors.toList());
    Map<String, Object> status = new java.util.LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("conditions", conditions);
    status.put("containerStatuses", containers);
    status.put("startTime", now);
    status.put("podIP", "10.244.0.10");
    status.put("hostIP", "127.0.0.1");
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(Map.of("status", status));
  }

  @Override
  public void close() {
    informer.close();
    writer.shutdownNow();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
