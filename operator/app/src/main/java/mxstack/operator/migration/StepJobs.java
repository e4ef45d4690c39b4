package mxstack.operator.migration;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mxstack.core.plan.MigrationPlan;
import mxstack.core.plan.StepOutput;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;
import mxstack.operator.PodTemplates;
import mxstack.operator.ResourceNames;
import mxstack.operator.dependent.MasDeploymentDependent;

/**
 * One Job per step of the move to MAS, named {@code <name>-syn2mas-<step>-<attempt>}: the step's
 * command in the MAS image (or a PostgreSQL client image for psql and pg_dump), with the same
 * config and secrets mounted as MAS's pod. The Job, not the operator, runs the step: an operator
 * restart finds it by name and waits for it.
 */
public final class StepJobs {

  /** Label on step Jobs and their pods: the step. */
  public static final String STEP_LABEL = "mxstack.internal/syn2mas-step";

  /** Label on step Jobs and their pods: the attempt. */
  public static final String ATTEMPT_LABEL = "mxstack.internal/syn2mas-attempt";

  /** Name of the event source that watches the steps' pods. */
  public static final String POD_EVENT_SOURCE = "syn2mas-pods";

  /** Name of the event source that watches the step Jobs. */
  public static final String JOB_EVENT_SOURCE = "syn2mas-jobs";

  /** Hang guard of one step, as on Cloudron: a large database takes long, but not forever. */
  static final long DEADLINE_SECONDS = 120 * 60;

  /** Pod failures retried within one Job: a killed pod (SIGKILL, SIGTERM, OOM) is retried. */
  static final int BACKOFF_LIMIT = 2;

  /** Exit statuses of a container that was killed rather than failing by itself. */
  static final List<Integer> KILLED = List.of(137, 143);

  /** Where a container's termination message comes from. */
  static final String TERMINATION_LOG = "/dev/termination-log";

  /** Default size of the backup volume the operator creates. */
  public static final String BACKUP_SIZE = "10Gi";

  /** The steps whose printed output the operator reads (psql queries). */
  private static final List<String> READ_OUTPUT =
      List.of(MigrationPlan.EXTERNAL_IDS, MigrationPlan.MIGRATION_DONE);

  private StepJobs() {}

  /** The Job of a step in an attempt. */
  public static String name(MatrixDeployment md, String step, int attempt) {
    return md.getMetadata().getName() + "-syn2mas-" + step + "-" + attempt;
  }

  /** The PersistentVolumeClaim the backup step writes to. */
  public static String backupClaim(MatrixDeployment md) {
    return md.getMetadata().getName() + "-syn2mas-backup";
  }

  /**
   * The backup volume, when the admin has not made one of that name: no owner reference, so the
   * dump outlives the MatrixDeployment, like Synapse's media volume.
   */
  static PersistentVolumeClaim backupVolume(MatrixDeployment md) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(backupClaim(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "syn2mas"))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withNewResources()
        .withRequests(Map.of("storage", new Quantity(BACKUP_SIZE)))
        .endResources()
        .endSpec()
        .build();
  }

  /** The Job that runs one step. */
  static Job job(OperatorPlan plan, MigrationPlan migration, MigrationPlan.Step step, int attempt) {
    MatrixDeployment md = plan.resource();
    var mas = plan.spec().auth().mas();
    String image =
        switch (step.program()) {
          case PROCESS -> mas.image() != null ? mas.image() : MasDeploymentDependent.IMAGE;
          case POSTGRES_CLIENT -> PodTemplates.PSQL_IMAGE;
        };
    List<String> argv = new ArrayList<>(step.argv());
    if (READ_OUTPUT.contains(step.name())) {
      // what it prints becomes the container's termination message, which the operator reads
      argv.add("--output=" + TERMINATION_LOG);
    }
    List<Volume> volumes = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.VolumeMount> mounts = new ArrayList<>();
    if (step.name().equals(MigrationPlan.BACKUP)) {
      String dir = migration.backupFile().substring(0, migration.backupFile().lastIndexOf('/'));
      volumes.add(
          new VolumeBuilder()
              .withName("backup")
              .withNewPersistentVolumeClaim()
              .withClaimName(backupClaim(md))
              .endPersistentVolumeClaim()
              .build());
      mounts.add(new VolumeMountBuilder().withName("backup").withMountPath(dir).build());
    }
    Map<String, String> labels = ResourceNames.labels(md, "syn2mas");
    labels.put(STEP_LABEL, step.name());
    labels.put(ATTEMPT_LABEL, Integer.toString(attempt));
    var template =
        PodTemplates.runToEnd(
            plan,
            new PodTemplates.Workload(
                "syn2mas",
                step.name(),
                image,
                65532,
                mas.resources(),
                Map.of("cpu", "100m", "memory", "256Mi"),
                Map.of("memory", "1Gi"),
                mounts),
            argv,
            step.env(),
            migration.workingDir(),
            labels,
            volumes);
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name(md, step.name(), attempt))
            .withNamespace(md.getMetadata().getNamespace())
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(BACKOFF_LIMIT)
            .withActiveDeadlineSeconds(DEADLINE_SECONDS)
            .withNewPodFailurePolicy()
            .withRules(
                // evicted, preempted, its node drained: not the step's fault, run it again
                new PodFailurePolicyRule(
                    "Ignore",
                    null,
                    List.of(
                        new PodFailurePolicyOnPodConditionsPattern("True", "DisruptionTarget"))),
                // a step that fails by itself fails at once (syn2mas check: 10 errors, 11
                // warnings); a killed one is run again, up to the backoff limit
                new PodFailurePolicyRule(
                    "FailJob",
                    new PodFailurePolicyOnExitCodesRequirement(step.name(), "NotIn", KILLED),
                    null))
            .endPodFailurePolicy()
            .withTemplate(template)
            .endSpec()
            .build();
    job.addOwnerReference(md);
    return job;
  }

  /** How a step's Job ended, or that it has not yet. */
  record Outcome(boolean running, int exitCode, String output) {

    static final Outcome RUNNING = new Outcome(true, 0, "");

    boolean succeeded() {
      return !running && exitCode == 0;
    }

    /** The lines worth showing: warnings and errors (the last five), else the last line. */
    String summary() {
      String summary = StepOutput.summary(output);
      return summary.length() > 600 ? summary.substring(0, 597) + "..." : summary;
    }
  }

  /**
   * The outcome of a Job from its conditions and its pods' container statuses (exit status and
   * termination message). A Job that ended but whose pod's end is not in the cache yet still counts
   * as running: the pod's event follows.
   */
  static Outcome outcome(Job job, Collection<Pod> pods) {
    boolean complete = condition(job, "Complete");
    boolean failed = condition(job, "Failed");
    if (!complete && !failed) {
      return Outcome.RUNNING;
    }
    String phase = complete ? "Succeeded" : "Failed";
    Optional<ContainerStateTerminated> end =
        pods.stream()
            .filter(p -> p.getStatus() != null && phase.equals(p.getStatus().getPhase()))
            .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
            .flatMap(StepJobs::terminated);
    if (end.isPresent()) {
      String message = end.get().getMessage() == null ? "" : end.get().getMessage();
      int code = end.get().getExitCode() == null ? -1 : end.get().getExitCode();
      return new Outcome(false, complete ? 0 : code == 0 ? -1 : code, message);
    }
    if (complete || !pods.isEmpty() && !"DeadlineExceeded".equals(reason(job, "Failed"))) {
      return Outcome.RUNNING;
    }
    JobCondition c = jobCondition(job, "Failed");
    return new Outcome(
        false,
        -1,
        "DeadlineExceeded".equals(c.getReason())
            ? "did not finish within " + DEADLINE_SECONDS / 60 + " minutes"
            : "the Job failed (" + c.getReason() + "): " + c.getMessage());
  }

  private static Optional<ContainerStateTerminated> terminated(Pod pod) {
    List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses();
    if (statuses == null) {
      return Optional.empty();
    }
    return statuses.stream()
        .map(s -> s.getState() == null ? null : s.getState().getTerminated())
        .filter(t -> t != null)
        .findFirst();
  }

  private static boolean condition(Job job, String type) {
    JobCondition c = jobCondition(job, type);
    return c != null && "True".equals(c.getStatus());
  }

  private static String reason(Job job, String type) {
    JobCondition c = jobCondition(job, type);
    return c == null ? null : c.getReason();
  }

  private static JobCondition jobCondition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }
}
