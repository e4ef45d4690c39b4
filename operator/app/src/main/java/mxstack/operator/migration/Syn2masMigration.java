package mxstack.operator.migration;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import mxstack.core.plan.MigrationPlan;
import mxstack.core.plan.MigrationState;
import mxstack.operator.Events;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;
import mxstack.operator.ResourceNames;
import mxstack.operator.StatusConditions;
import mxstack.operator.StatusConditions.Reason;

/**
 * Moves a deployment's accounts from Synapse to MAS on Kubernetes, one state at a time ({@link
 * MigrationState}), as the Cloudron supervisor does: our own checks and {@code syn2mas check}, the
 * dry run, a backup of Synapse's database, Synapse scaled to no replicas, {@code syn2mas migrate},
 * then a plan in MAS mode. Each step is a Job ({@link StepJobs}); each state reached is recorded in
 * the marker ConfigMap, then in the status, before the next step's Job is made, so an operator
 * restart resumes from it and a Job keeps running while the operator is away. A stopped attempt
 * leaves Synapse running with its own logins and is tried again when the spec changes (or its
 * failed Job is deleted); once the accounts are in MAS, never again.
 *
 * <p>One instance per reconcile: {@link #observe} before planning (the state decides the spec
 * planned with and whether Synapse is held), {@link #advance} after the objects are applied.
 */
public final class Syn2masMigration {

  /** Event reasons. */
  static final String STEP_EVENT = "MigrationStep";

  static final String STATE_EVENT = "MigrationState";
  static final String BLOCKED_EVENT = "MigrationBlocked";
  static final String FAILED_EVENT = "MigrationFailed";
  static final String REFUSED_EVENT = "MigrationRefused";

  /** How soon to look again after a change that the next reconcile must apply. */
  static final Duration SOON = Duration.ofSeconds(1);

  /** How often to look while a step runs (the Job's and pod's events come earlier). */
  static final Duration WHILE_RUNNING = Duration.ofSeconds(10);

  private final MatrixDeployment md;
  private final Context<MatrixDeployment> context;
  private final ConfigMap marker;
  private MigrationStatus record;
  private boolean recorded;
  private String step;
  private String job;

  /**
   * What the move needs to say in the status and what to do next.
   *
   * @param reason the MigrationComplete condition's reason, or null: no move is asked for or
   *     recorded (no condition)
   * @param message the condition's message
   * @param recheck when to look again, or null
   */
  public record Report(Reason reason, String message, Duration recheck) {

    static final Report NONE = new Report(null, null, null);

    /** True when the accounts are in MAS and logins delegated. */
    public boolean complete() {
      return reason == Reason.Complete;
    }

    /** True when the admin must act (the Degraded condition says so). */
    public boolean needsAction() {
      return reason == Reason.Blocked || reason == Reason.Failed || reason == Reason.Refused;
    }
  }

  private Syn2masMigration(
      MatrixDeployment md,
      Context<MatrixDeployment> context,
      ConfigMap marker,
      MigrationStatus record,
      boolean recorded) {
    this.md = md;
    this.context = context;
    this.marker = marker;
    this.record = record;
    this.recorded = recorded;
  }

  /**
   * Reads the record: the marker's or the status's, whichever has the higher revision (a deleted
   * marker or a wiped status loses nothing).
   */
  public static Syn2masMigration observe(MatrixDeployment md, Context<MatrixDeployment> context) {
    ConfigMap marker =
        markers(context)
            .get(new ResourceID(MigrationMarker.name(md), md.getMetadata().getNamespace()))
            .orElse(null);
    MigrationStatus fromMarker = marker == null ? null : MigrationMarker.read(marker);
    MigrationStatus fromStatus = md.getStatus() == null ? null : md.getStatus().getMigration();
    MigrationStatus record = fromMarker;
    if (fromStatus != null
        && fromStatus.revisionOrZero() > 0
        && (record == null || fromStatus.revisionOrZero() > record.revisionOrZero())) {
      record = fromStatus.copy();
    }
    boolean recorded = record != null;
    return new Syn2masMigration(
        md, context, marker, recorded ? record.copy() : MigrationStatus.initial(), recorded);
  }

  /** The recorded state. */
  public MigrationState state() {
    return record.migrationState();
  }

  /** The spec to plan with, given the recorded state (see {@link EffectiveAuth}). */
  public EffectiveAuth effectiveAuth() {
    String mas = ResourceNames.mas(md);
    boolean masRuns =
        context.getSecondaryResources(Deployment.class).stream()
            .anyMatch(d -> mas.equals(d.getMetadata().getName()));
    return EffectiveAuth.of(
        md.getSpec(),
        state(),
        masRuns ? mas : null,
        MigrationMarker.name(md),
        OperatorPlan.target(md));
  }

  /**
   * Whether Synapse must have no replicas: from the end of the backup of the current attempt until
   * the accounts are in MAS.
   */
  public boolean synapseStopped() {
    MigrationState state = state();
    if (state == MigrationState.SYNAPSE_STOPPED) {
      return true;
    }
    if (state != MigrationState.DRY_RUN_PASSED || record.stopped()) {
      return false;
    }
    Job backup = job(StepJobs.name(md, MigrationPlan.BACKUP, record.attemptOrOne()));
    return backup != null && outcome(backup).succeeded();
  }

  /**
   * What {@code status.migration} shows: the record and the step running; null when no move was
   * ever asked for here.
   */
  public MigrationStatus status(Report report) {
    if (report.reason() == null && !recorded) {
      return null;
    }
    MigrationStatus view = record.copy();
    view.setStep(step);
    view.setJob(job);
    return view;
  }

  /**
   * What {@code status.migration} shows when the move did not advance (the spec is invalid or a
   * Secret is missing): the record, which may come from the marker when the status lost it.
   */
  public MigrationStatus unchangedStatus() {
    MigrationStatus before = md.getStatus() == null ? null : md.getStatus().getMigration();
    if (!recorded) {
      return before;
    }
    MigrationStatus view = record.copy();
    if (before != null) {
      view.setStep(before.getStep());
      view.setJob(before.getJob());
    }
    return view;
  }

  /**
   * Takes the move as far as it can go now: checks, makes the next step's Job, reads the ones that
   * ended, records each state reached. Called after the plan's objects were applied.
   *
   * @param plan the plan applied (with the spec {@link #effectiveAuth()} gave)
   * @param auth that spec's blockers and refusal
   * @param synapseReady whether Synapse runs the current template and is ready
   * @param masReady whether MAS does (false outside MAS mode)
   */
  public Report advance(
      OperatorPlan plan, EffectiveAuth auth, boolean synapseReady, boolean masReady) {
    restoreMarker();
    MigrationState state = state();
    if (state == MigrationState.DELEGATED) {
      return complete();
    }
    if (state == MigrationState.MIGRATED) {
      if (plan.masMode() && synapseReady && masReady) {
        reach(
            MigrationState.DELEGATED,
            "logins are delegated to MAS: the move is complete and never runs again; the dump of"
                + " Synapse's database made before it stays in PVC "
                + record.getBackupClaim());
        deleteJobs(null);
        return complete();
      }
      return new Report(
          Reason.Migrating,
          "The accounts are in MAS; waiting for Synapse, delegated to MAS, and MAS to be ready",
          WHILE_RUNNING);
    }
    if (auth.refusal() != null) {
      return refused(auth.refusal());
    }
    MigrationPlan migration = plan.state().migration();
    if (migration == null) {
      if (state == MigrationState.LEGACY) {
        return Report.NONE;
      }
      return new Report(
          Reason.Pending,
          "The move to MAS stopped at "
              + state.wireName()
              + ": spec.migration.strategy is not syn2mas and auth.mode is legacy; set"
              + " migration.strategy: syn2mas and remove auth.mode to go on",
          null);
    }
    if (record.stopped()) {
      if (!retryAsked()) {
        return stoppedReport();
      }
      nextAttempt();
    }
    List<String> blockers = new ArrayList<>(auth.blockers());
    if (state != MigrationState.SYNAPSE_STOPPED) { // once Synapse has stopped, the move finishes
      blockers.addAll(migration.blockers());
    }
    if (!blockers.isEmpty()) {
      return blocked(
          "The move to MAS cannot start: "
              + String.join("; ", blockers)
              + ". Synapse keeps the logins until then");
    }
    if (state == MigrationState.LEGACY && !synapseReady && jobsOfAttempt().isEmpty()) {
      return new Report(
          Reason.Pending,
          "The move to MAS starts once Synapse is ready (syn2mas reads the database it keeps)",
          WHILE_RUNNING);
    }
    return walk(plan, migration, state);
  }

  private Report walk(OperatorPlan plan, MigrationPlan migration, MigrationState state) {
    if (state == MigrationState.LEGACY) {
      boolean warned = false;
      for (String name :
          List.of(
              MigrationPlan.PREPARE_SCHEMA,
              MigrationPlan.MAS_DATABASE,
              MigrationPlan.EXTERNAL_IDS,
              MigrationPlan.CHECK)) {
        if (migration.step(name).isEmpty()) {
          continue;
        }
        StepJobs.Outcome o = run(plan, migration, name);
        if (o.running()) {
          return new Report(
              Reason.Checking,
              "Checking before the move to MAS: step " + name + " (Job " + job + ")",
              WHILE_RUNNING);
        }
        String jobName = job;
        if (name.equals(MigrationPlan.CHECK)) {
          if (o.exitCode() == MigrationPlan.CHECK_WARNINGS && migration.acceptWarnings()) {
            warned = true;
          } else if (o.exitCode() == MigrationPlan.CHECK_WARNINGS) {
            return stop(
                Reason.Blocked,
                name,
                jobName,
                "syn2mas check warns: "
                    + o.summary()
                    + "; read them (kubectl logs job/"
                    + jobName
                    + "), then set spec.migration.acceptWarnings: true to go ahead");
          } else if (o.exitCode() == MigrationPlan.CHECK_ERRORS) {
            return stop(
                Reason.Blocked,
                name,
                jobName,
                "syn2mas check found errors (exit 10): "
                    + o.summary()
                    + "; kubectl logs job/"
                    + jobName
                    + " shows them all");
          } else if (!o.succeeded()) {
            return stop(Reason.Failed, name, jobName, failure(o));
          }
        } else if (!o.succeeded()) {
          return stop(Reason.Failed, name, jobName, failure(o));
        }
        if (name.equals(MigrationPlan.EXTERNAL_IDS)) {
          List<String> unmapped = unmapped(migration, o.output());
          if (!unmapped.isEmpty()) {
            return stop(
                Reason.Blocked,
                name,
                jobName,
                "users are linked to "
                    + String.join(", ", unmapped)
                    + " in Synapse, which no upstream provider maps: add one for each with"
                    + " synapseIdpId: "
                    + String.join(" / ", unmapped)
                    + " (spec.auth.upstreamProviders), or those users could not log in");
          }
        }
      }
      state =
          reach(
              MigrationState.CHECKED,
              "our checks and syn2mas check passed"
                  + (warned ? " (its warnings accepted: spec.migration.acceptWarnings)" : ""));
    }
    if (state == MigrationState.CHECKED) {
      StepJobs.Outcome o = run(plan, migration, MigrationPlan.DRY_RUN);
      if (o.running()) {
        return moving("the dry run (syn2mas migrate --dry-run)");
      }
      if (!o.succeeded()) {
        return stop(Reason.Failed, MigrationPlan.DRY_RUN, job, failure(o));
      }
      state =
          reach(MigrationState.DRY_RUN_PASSED, "the dry run passed; MAS's tables are empty again");
    }
    if (state == MigrationState.DRY_RUN_PASSED) {
      StepJobs.Outcome o = run(plan, migration, MigrationPlan.BACKUP);
      if (o.running()) {
        return moving("the backup of Synapse's database into PVC " + StepJobs.backupClaim(md));
      }
      if (!o.succeeded()) {
        return stop(
            Reason.Failed,
            MigrationPlan.BACKUP,
            job,
            failure(o) + " (is PVC " + StepJobs.backupClaim(md) + " bound and large enough?)");
      }
      if (!synapseScaledDown()) {
        return new Report(
            Reason.Migrating,
            "Synapse's database is backed up; stopping Synapse for the move",
            plan.synapseStopped() ? WHILE_RUNNING : SOON);
      }
      state =
          reach(
              MigrationState.SYNAPSE_STOPPED,
              "Synapse's database is backed up in PVC "
                  + StepJobs.backupClaim(md)
                  + " ("
                  + migration.backupFile()
                  + " in the backup Job) and Synapse is stopped");
    }
    if (state == MigrationState.SYNAPSE_STOPPED) {
      boolean done = false;
      if (migration.step(MigrationPlan.MIGRATION_DONE).isPresent()) {
        StepJobs.Outcome o = run(plan, migration, MigrationPlan.MIGRATION_DONE);
        if (o.running()) {
          return moving("checking whether an earlier syn2mas migrate completed");
        }
        // a failed look is no answer: syn2mas migrate then says for itself
        done = o.succeeded() && o.output().strip().equals("t");
      }
      if (!done) {
        StepJobs.Outcome o = run(plan, migration, MigrationPlan.MIGRATE);
        if (o.running()) {
          return moving("syn2mas migrate, with Synapse stopped");
        }
        if (!o.succeeded()) {
          return stop(Reason.Failed, MigrationPlan.MIGRATE, job, failure(o));
        }
      }
      step = null;
      job = null;
      reach(
          MigrationState.MIGRATED,
          (done ? "an earlier syn2mas migrate had completed: " : "syn2mas migrate completed: ")
              + "the accounts are in MAS; Synapse starts delegated to MAS, and MAS starts");
    }
    return new Report(
        Reason.Migrating,
        "The accounts are in MAS; starting Synapse delegated to MAS, and MAS",
        SOON);
  }

  /** The step's outcome; makes its Job when there is none yet. */
  private StepJobs.Outcome run(OperatorPlan plan, MigrationPlan migration, String name) {
    String jobName = StepJobs.name(md, name, record.attemptOrOne());
    step = name;
    job = jobName;
    Job existing = job(jobName);
    if (existing != null) {
      return outcome(existing);
    }
    if (name.equals(MigrationPlan.BACKUP)) {
      createBackupVolume();
    }
    Job desired = StepJobs.job(plan, migration, migration.step(name).orElseThrow(), attempt());
    try {
      context.resourceOperations().create(desired, jobs(context));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // made by an earlier reconcile whose cache update has not arrived, or still being removed
      return StepJobs.Outcome.RUNNING;
    }
    Events.normal(
        md, context, STEP_EVENT, "Move to MAS: running step " + name + " (Job " + jobName + ")");
    return StepJobs.Outcome.RUNNING;
  }

  private void createBackupVolume() {
    try {
      context
          .getClient()
          .persistentVolumeClaims()
          .inNamespace(md.getMetadata().getNamespace())
          .resource(StepJobs.backupVolume(md))
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) { // the admin's own, or ours from an earlier attempt
        throw e;
      }
    }
  }

  private int attempt() {
    return record.attemptOrOne();
  }

  private static String failure(StepJobs.Outcome o) {
    return (o.exitCode() < 0 ? "" : "exit status " + o.exitCode() + ": ") + o.summary();
  }

  private static List<String> unmapped(MigrationPlan migration, String output) {
    List<String> unmapped = new ArrayList<>();
    for (String line : output.lines().toList()) {
      String idp = line.strip();
      if (!idp.isEmpty() && !migration.mappedIdps().contains(idp)) {
        unmapped.add(idp);
      }
    }
    return unmapped;
  }

  /** Synapse's StatefulSet has no replicas and no pods, as its controller reports. */
  private boolean synapseScaledDown() {
    String name = ResourceNames.synapse(md);
    return context.getSecondaryResources(StatefulSet.class).stream()
        .filter(s -> name.equals(s.getMetadata().getName()))
        .anyMatch(
            s ->
                Integer.valueOf(0).equals(s.getSpec().getReplicas())
                    && s.getStatus() != null
                    && s.getStatus().getObservedGeneration() != null
                    && s.getStatus().getObservedGeneration() >= s.getMetadata().getGeneration()
                    && (s.getStatus().getReplicas() == null || s.getStatus().getReplicas() == 0));
  }

  private Report moving(String what) {
    return new Report(
        Reason.Migrating, "Moving the accounts to MAS: " + what + " (Job " + job + ")", null);
  }

  private Report complete() {
    return new Report(
        Reason.Complete,
        "Logins are delegated to MAS since "
            + record.getUpdated()
            + "; the move ran once and never runs again",
        null);
  }

  private Report refused(String why) {
    Report report = new Report(Reason.Refused, "The move to MAS is refused: " + why, null);
    warnOnChange(REFUSED_EVENT, report);
    return report;
  }

  private Report blocked(String message) {
    Report report = new Report(Reason.Blocked, message, null);
    warnOnChange(BLOCKED_EVENT, report);
    return report;
  }

  /** A Warning event when the condition says something new (not at every reconcile). */
  private void warnOnChange(String reason, Report report) {
    var before =
        md.getStatus() == null
            ? null
            : md.getStatus().condition(StatusConditions.MIGRATION_COMPLETE);
    if (before == null
        || !report.reason().name().equals(before.getReason())
        || !Objects.equals(report.message(), before.getMessage())) {
      Events.warning(md, context, reason, report.message());
    }
  }

  /**
   * Stops the attempt where it is; Synapse, if stopped for the move, runs again with its own
   * logins: its database was only read.
   */
  private Report stop(Reason reason, String failedStep, String failedJob, String why) {
    MigrationState back =
        state() == MigrationState.SYNAPSE_STOPPED ? MigrationState.DRY_RUN_PASSED : state();
    MigrationStatus next = record.copy();
    next.setState(back.wireName());
    next.setStoppedReason(reason.name());
    next.setStoppedStep(failedStep);
    next.setStoppedJob(failedJob);
    next.setStoppedGeneration(md.getMetadata().getGeneration());
    next.setMessage(why);
    write(next);
    step = null;
    job = null;
    Report report = stoppedReport();
    Events.warning(
        md, context, reason == Reason.Blocked ? BLOCKED_EVENT : FAILED_EVENT, report.message());
    return new Report(report.reason(), report.message(), SOON);
  }

  private Report stoppedReport() {
    String retry =
        record.getStoppedJob() != null
            ? "when the spec changes or Job " + record.getStoppedJob() + " is deleted"
            : "when the spec changes";
    return new Report(
        Reason.valueOf(record.getStoppedReason()),
        "The move to MAS stopped at step "
            + record.getStoppedStep()
            + ": "
            + record.getMessage()
            + ". Synapse keeps its own logins; the move is tried again "
            + retry,
        null);
  }

  /** A stopped attempt is tried again after an edit of the spec, or once its Job is deleted. */
  private boolean retryAsked() {
    return !Objects.equals(record.getStoppedGeneration(), md.getMetadata().getGeneration())
        || record.getStoppedJob() != null && job(record.getStoppedJob()) == null;
  }

  private void nextAttempt() {
    MigrationStatus next = record.copy();
    next.setAttempt(record.attemptOrOne() + 1);
    next.setStoppedReason(null);
    next.setStoppedStep(null);
    next.setStoppedJob(null);
    next.setStoppedGeneration(null);
    next.setMessage(null);
    write(next);
    deleteJobs(next.getAttempt());
  }

  private MigrationState reach(MigrationState state, String what) {
    MigrationStatus next = record.copy();
    next.setState(state.wireName());
    next.setBackupClaim(
        state.compareTo(MigrationState.SYNAPSE_STOPPED) >= 0
            ? StepJobs.backupClaim(md)
            : record.getBackupClaim());
    write(next);
    Events.normal(md, context, STATE_EVENT, "Move to MAS: " + state.wireName() + ": " + what);
    return state;
  }

  /** Writes the record to the marker; the reconciler writes the status next. */
  private void write(MigrationStatus next) {
    next.setRevision(record.revisionOrZero() + 1);
    next.setUpdated(Instant.now().toString());
    context.resourceOperations().serverSideApply(MigrationMarker.of(md, next), markers(context));
    record = next;
    recorded = true;
  }

  /** The marker again, when it was deleted or lags behind the status. */
  private void restoreMarker() {
    if (recorded
        && (marker == null
            || MigrationMarker.read(marker).revisionOrZero() < record.revisionOrZero())) {
      context
          .resourceOperations()
          .serverSideApply(MigrationMarker.of(md, record), markers(context));
    }
  }

  /** Deletes the step Jobs (and so their pods) of other attempts, or all when null. */
  private void deleteJobs(Integer keepAttempt) {
    for (Job j : context.getSecondaryResources(Job.class)) {
      String attempt = j.getMetadata().getLabels().get(StepJobs.ATTEMPT_LABEL);
      if (keepAttempt == null || !keepAttempt.toString().equals(attempt)) {
        context
            .getClient()
            .resource(j)
            .withPropagationPolicy(DeletionPropagation.BACKGROUND)
            .delete();
      }
    }
  }

  private List<Job> jobsOfAttempt() {
    String attempt = Integer.toString(record.attemptOrOne());
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> attempt.equals(j.getMetadata().getLabels().get(StepJobs.ATTEMPT_LABEL)))
        .toList();
  }

  private Job job(String name) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> name.equals(j.getMetadata().getName()))
        .findFirst()
        .orElse(null);
  }

  private StepJobs.Outcome outcome(Job j) {
    String name = j.getMetadata().getName();
    List<Pod> pods =
        context.getSecondaryResources(Pod.class).stream()
            .filter(
                p -> name.equals(p.getMetadata().getLabels().get("batch.kubernetes.io/job-name")))
            .toList();
    return StepJobs.outcome(j, pods);
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<ConfigMap, MatrixDeployment> markers(
      Context<MatrixDeployment> context) {
    return (InformerEventSource<ConfigMap, MatrixDeployment>)
        context
            .eventSourceRetriever()
            .getEventSourceFor(ConfigMap.class, MigrationMarker.EVENT_SOURCE);
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<Job, MatrixDeployment> jobs(
      Context<MatrixDeployment> context) {
    return (InformerEventSource<Job, MatrixDeployment>)
        context.eventSourceRetriever().getEventSourceFor(Job.class, StepJobs.JOB_EVENT_SOURCE);
  }
}
