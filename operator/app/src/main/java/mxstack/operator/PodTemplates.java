package mxstack.operator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.PreStartStep;
import mxstack.core.plan.ReadinessCheck;
import mxstack.core.plan.UserSecret;
import mxstack.core.spec.ResourcesSpec;

/**
 * Pod templates from the core's planned processes: the command line, environment, probes and
 * pre-start steps (as init containers) of the plan, with the config, secrets and scratch space
 * mounted where the plan expects them, and a restricted security context.
 */
public final class PodTemplates {

  /** One workload's settings that do not come from the plan. */
  public record Workload(
      String process,
      String component,
      String image,
      long uid,
      ResourcesSpec resources,
      Map<String, String> defaultRequests,
      Map<String, String> defaultLimits,
      List<VolumeMount> extraMounts) {}

  /** Image for init steps that need the PostgreSQL client (creating MAS's schema). */
  public static final String PSQL_IMAGE = "docker.io/library/postgres:17";

  private PodTemplates() {}

  public static PodTemplateSpec build(OperatorPlan plan, Workload w, String secretsHash) {
    MatrixDeployment md = plan.resource();
    PlannedProcess p = plan.state().process(w.process()).orElseThrow();
    List<VolumeMount> mounts = new ArrayList<>(mounts(plan, p.name()));
    mounts.addAll(w.extraMounts());
    Container main =
        container(w.component(), w.image(), p.argv(), p.env(), p.workingDir(), mounts, w)
            .withReadinessProbe(probe(p.readiness(), 3))
            .withLivenessProbe(probe(p.liveness(), 6))
            .withStartupProbe(
                new ProbeBuilder(probe(p.readiness(), 60)).withPeriodSeconds(5).build())
            .build();
    List<Container> init = new ArrayList<>();
    for (PreStartStep step : p.preStart()) {
      String image =
          switch (step.program()) {
            case POSTGRES_CLIENT -> PSQL_IMAGE;
            case PROCESS -> w.image();
          };
      init.add(
          container(step.name(), image, step.argv(), p.env(), p.workingDir(), mounts, w).build());
    }
    Map<String, String> annotations = new TreeMap<>();
    annotations.put(ResourceNames.INPUTS_HASH, p.inputsHash() + "-" + secretsHash);
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(ResourceNames.labels(md, w.component()))
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withInitContainers(init)
        .withContainers(main)
        .withVolumes(volumes(plan, p.name()))
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(podSecurityContext(w.uid()))
        .endSpec()
        .build();
  }

  /**
   * The pod of a Job that runs one command to its end, with the config, secrets and scratch space
   * mounted as for the workloads and the same restrictions. Its container's termination message is
   * what the command writes to {@code /dev/termination-log}, or, when it fails without writing
   * there, the end of its output.
   *
   * @param w the image, UID, resources and extra mounts ({@code w.process()} names no planned
   *     process)
   * @param argv the command
   * @param env its environment
   * @param workingDir its working directory (an empty directory is mounted there)
   * @param labels the pod's labels
   * @param extraVolumes the volumes of {@code w.extraMounts()}
   */
  public static PodTemplateSpec runToEnd(
      OperatorPlan plan,
      Workload w,
      List<String> argv,
      Map<String, String> env,
      String workingDir,
      Map<String, String> labels,
      List<Volume> extraVolumes) {
    List<VolumeMount> mounts = new ArrayList<>(mounts(plan, w.process()));
    mounts.add(mount("work", workingDir));
    mounts.addAll(w.extraMounts());
    List<Volume> volumes = new ArrayList<>(volumes(plan, w.process()));
    volumes.add(new VolumeBuilder().withName("work").withNewEmptyDir().endEmptyDir().build());
    volumes.addAll(extraVolumes);
    Container container =
        container(w.component(), w.image(), argv, env, workingDir, mounts, w)
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .build();
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withContainers(container)
        .withVolumes(volumes)
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(podSecurityContext(w.uid()))
        .endSpec()
        .build();
  }

  private static PodSecurityContext podSecurityContext(long uid) {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(uid)
        .withRunAsGroup(uid)
        .withFsGroup(uid)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  private static ContainerBuilder container(
      String name,
      String image,
      List<String> argv,
      Map<String, String> environment,
      String workingDir,
      List<VolumeMount> mounts,
      Workload w) {
    List<EnvVar> env = new ArrayList<>();
    new TreeMap<>(environment).forEach((k, v) -> env.add(new EnvVar(k, v, null)));
    return new ContainerBuilder()
        .withName(name)
        .withImage(image)
        .withCommand(argv)
        .withWorkingDir(workingDir)
        .withEnv(env)
        .withVolumeMounts(mounts)
        .withResources(resources(w))
        .withSecurityContext(securityContext());
  }

  static SecurityContext securityContext() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  private static ResourceRequirements resources(Workload w) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    w.defaultRequests().forEach((k, v) -> requests.put(k, new Quantity(v)));
    w.defaultLimits().forEach((k, v) -> limits.put(k, new Quantity(v)));
    if (w.resources() != null) {
      if (w.resources().requests() != null) {
        w.resources().requests().forEach((k, v) -> requests.put(k, new Quantity(v)));
      }
      if (w.resources().limits() != null) {
        w.resources().limits().forEach((k, v) -> limits.put(k, new Quantity(v)));
      }
    }
    return new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build();
  }

  private static Probe probe(ReadinessCheck check, int failureThreshold) {
    ProbeBuilder probe =
        new ProbeBuilder()
            .withPeriodSeconds(10)
            .withTimeoutSeconds(5)
            .withFailureThreshold(failureThreshold);
    if (check.kind() == ReadinessCheck.Kind.HTTP) {
      probe
          .withNewHttpGet()
          .withPath(check.path())
          .withPort(new IntOrString(check.port()))
          .endHttpGet();
    } else {
      probe.withNewTcpSocket().withPort(new IntOrString(check.port())).endTcpSocket();
    }
    return probe.build();
  }

  private static List<VolumeMount> mounts(OperatorPlan plan, String process) {
    var t = plan.target();
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(mount("config", t.configDir()));
    mounts.add(mount("generated-secrets", t.secretsDir()));
    if (!plan.state().derivedSecrets().isEmpty()) {
      mounts.add(mount("derived-secrets", t.derivedSecretsDir()));
    }
    for (String secret : userSecretNames(plan)) {
      mounts.add(mount("user-" + secret, t.userSecretsDir() + "/" + secret));
    }
    mounts.add(mount("tmp", "/tmp"));
    if (process.equals("router")) {
      // nginx's pid file and temp paths live here and the directory must exist
      mounts.add(mount("nginx-run", t.runDir() + "/nginx"));
    }
    return mounts;
  }

  private static VolumeMount mount(String name, String path) {
    boolean writable = name.equals("tmp") || name.equals("nginx-run") || name.equals("work");
    // readOnly only where true: the API server drops "readOnly: false" (the default) from what it
    // stores, so a template that says it would never match its stored self under server-side apply
    // and every reconcile would rewrite the workload.
    return new VolumeMountBuilder()
        .withName(name)
        .withMountPath(path)
        .withReadOnly(writable ? null : Boolean.TRUE)
        .build();
  }

  private static List<Volume> volumes(OperatorPlan plan, String process) {
    MatrixDeployment md = plan.resource();
    List<Volume> volumes = new ArrayList<>();
    List<KeyToPath> items = new ArrayList<>();
    plan.state()
        .files()
        .forEach(f -> items.add(new KeyToPath(OperatorPlan.configKey(f.path()), null, f.path())));
    volumes.add(
        new VolumeBuilder()
            .withName("config")
            .withNewConfigMap()
            .withName(ResourceNames.config(md))
            .withItems(items)
            .endConfigMap()
            .build());
    volumes.add(secretVolume("generated-secrets", ResourceNames.generatedSecrets(md), null));
    if (!plan.state().derivedSecrets().isEmpty()) {
      volumes.add(secretVolume("derived-secrets", ResourceNames.derivedSecrets(md), null));
    }
    for (String secret : userSecretNames(plan)) {
      List<KeyToPath> keys = new ArrayList<>();
      plan.state().userSecrets().stream()
          .filter(u -> secret.equals(u.ref().secretName()))
          .map(u -> u.ref().key())
          .distinct()
          .sorted()
          .forEach(k -> keys.add(new KeyToPath(k, null, k)));
      volumes.add(secretVolume("user-" + secret, secret, keys));
    }
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    if (process.equals("router")) {
      volumes.add(
          new VolumeBuilder().withName("nginx-run").withNewEmptyDir().endEmptyDir().build());
    }
    return volumes;
  }

  private static Volume secretVolume(String name, String secret, List<KeyToPath> items) {
    return new VolumeBuilder()
        .withName(name)
        .withNewSecret()
        .withSecretName(secret)
        .withItems(items)
        .withDefaultMode(0440)
        .endSecret()
        .build();
  }

  /** Names of the admin's Secrets the plan references (on Kubernetes they are Secret refs). */
  static List<String> userSecretNames(OperatorPlan plan) {
    return plan.state().userSecrets().stream()
        .map(UserSecret::ref)
        .filter(r -> r.secretName() != null)
        .map(r -> r.secretName())
        .distinct()
        .sorted()
        .toList();
  }
}
