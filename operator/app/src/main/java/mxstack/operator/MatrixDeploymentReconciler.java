package mxstack.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import mxstack.core.validation.SpecInvalidException;
import mxstack.operator.StatusConditions.Reason;
import mxstack.operator.dependent.Conditions;
import mxstack.operator.dependent.ConfigMapDependent;
import mxstack.operator.dependent.DerivedSecretDependent;
import mxstack.operator.dependent.GeneratedSecretDependent;
import mxstack.operator.dependent.IngressDependent;
import mxstack.operator.dependent.MasDeploymentDependent;
import mxstack.operator.dependent.MasServiceDependent;
import mxstack.operator.dependent.RouterDeploymentDependent;
import mxstack.operator.dependent.RouterServiceDependent;
import mxstack.operator.dependent.ServiceMonitorDependent;
import mxstack.operator.dependent.SynapseServiceDependent;
import mxstack.operator.dependent.SynapseStatefulSetDependent;
import mxstack.operator.migration.EffectiveAuth;
import mxstack.operator.migration.MigrationMarker;
import mxstack.operator.migration.StepJobs;
import mxstack.operator.migration.Syn2masMigration;

/**
 * Reconciles a MatrixDeployment: validate, plan with the core, apply the dependents, report. An
 * invalid spec or a missing referenced Secret changes no object: running workloads stay as they
 * are, and the status says what to fix.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "generated-secrets", type = GeneratedSecretDependent.class),
      @Dependent(
          name = "derived-secrets",
          type = DerivedSecretDependent.class,
          reconcilePrecondition = Conditions.HasDerivedSecrets.class),
      @Dependent(name = "config", type = ConfigMapDependent.class),
      @Dependent(
          name = "synapse",
          type = SynapseStatefulSetDependent.class,
          dependsOn = {"generated-secrets", "config"}),
      @Dependent(
          name = "synapse-service",
          type = SynapseServiceDependent.class,
          useEventSourceWithName = MatrixDeploymentReconciler.SERVICES),
      @Dependent(
          name = "mas",
          type = MasDeploymentDependent.class,
          dependsOn = {"generated-secrets", "config"},
          reconcilePrecondition = Conditions.MasMode.class,
          useEventSourceWithName = MatrixDeploymentReconciler.DEPLOYMENTS),
      @Dependent(
          name = "mas-service",
          type = MasServiceDependent.class,
          reconcilePrecondition = Conditions.MasMode.class,
          useEventSourceWithName = MatrixDeploymentReconciler.SERVICES),
      @Dependent(
          name = "router",
          type = RouterDeploymentDependent.class,
          dependsOn = "config",
          useEventSourceWithName = MatrixDeploymentReconciler.DEPLOYMENTS),
      @Dependent(
          name = "router-service",
          type = RouterServiceDependent.class,
          useEventSourceWithName = MatrixDeploymentReconciler.SERVICES),
      @Dependent(
          name = "ingress",
          type = IngressDependent.class,
          reconcilePrecondition = Conditions.IngressEnabled.class),
      @Dependent(
          name = "service-monitor",
          type = ServiceMonitorDependent.class,
          activationCondition = Conditions.ServiceMonitorCrdInstalled.class)
    })
@ControllerConfiguration(name = "matrixdeployment")
public class MatrixDeploymentReconciler implements Reconciler<MatrixDeployment> {

  /**
   * One informer, so one cached copy, for the three Services: each dependent picks its own by name.
   */
  static final String SERVICES = "services";

  /** One informer for the MAS and router Deployments, for the same reason. */
  static final String DEPLOYMENTS = "deployments";

  /** How often a deployment that is not ready yet is looked at again. */
  static final Duration RECHECK = Duration.ofSeconds(10);

  @Override
  public UpdateControl<MatrixDeployment> reconcile(
      MatrixDeployment md, Context<MatrixDeployment> context) {
    MatrixDeploymentStatus before = copy(md.getStatus());
    MatrixDeploymentStatus status = copy(md.getStatus());
    long generation =
        md.getMetadata().getGeneration() == null ? 0 : md.getMetadata().getGeneration();
    Instant now = Instant.now();
    status.setObservedGeneration(generation);

    // Where a move to MAS is decides the spec planned with and whether Synapse is held.
    Syn2masMigration migration = Syn2masMigration.observe(md, context);
    status.setMigration(migration.unchangedStatus());
    EffectiveAuth auth = migration.effectiveAuth();
    OperatorPlan plan;
    List<String> violations = new ArrayList<>(auth.violations());
    try {
      plan = OperatorPlan.of(md, auth.spec(), migration.synapseStopped());
    } catch (SpecInvalidException e) {
      plan = null;
      e.violations().forEach(v -> violations.add(v.toString()));
    }
    if (!violations.isEmpty()) {
      String message = String.join("; ", violations);
      StatusConditions.set(
          status, StatusConditions.READY, false, Reason.InvalidSpec, message, generation, now);
      StatusConditions.set(
          status, StatusConditions.DEGRADED, true, Reason.InvalidSpec, message, generation, now);
      if (!sameCondition(before, status, StatusConditions.DEGRADED)) {
        Events.warning(
            md, context, "InvalidSpec", "The spec is invalid; nothing was changed: " + message);
      }
      return finish(md, before, status, null);
    }

    List<String> missing = UserSecrets.from(context).missing(plan);
    if (!missing.isEmpty()) {
      String message = "Create the referenced Secrets: " + String.join("; ", missing);
      StatusConditions.set(
          status,
          StatusConditions.SECRETS_READY,
          false,
          Reason.MissingSecret,
          message,
          generation,
          now);
      StatusConditions.set(
          status, StatusConditions.READY, false, Reason.MissingSecret, message, generation, now);
      StatusConditions.set(
          status, StatusConditions.DEGRADED, true, Reason.MissingSecret, message, generation, now);
      if (!sameCondition(before, status, StatusConditions.DEGRADED)) {
        Events.warning(md, context, "MissingSecret", message);
      }
      return finish(md, before, status, RECHECK);
    }

    context.managedWorkflowAndDependentResourceContext().put(OperatorPlan.CONTEXT_KEY, plan);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();

    status.setAuthMode(plan.masMode() ? "mas" : "legacy");
    status.setHomeserverUrl(plan.spec().homeserver().publicBaseUrl());
    status.setMasUrl(plan.masMode() ? plan.spec().auth().mas().publicBaseUrl() : null);
    StatusConditions.set(
        status,
        StatusConditions.SECRETS_READY,
        true,
        Reason.SecretsPresent,
        "Generated and referenced Secrets are in place",
        generation,
        now);
    boolean synapseReady =
        context
            .getSecondaryResource(StatefulSet.class, "synapse")
            .map(MatrixDeploymentReconciler::statefulSetReady)
            .orElse(false);
    StatusConditions.set(
        status,
        StatusConditions.SYNAPSE_READY,
        synapseReady,
        synapseReady ? Reason.PodsReady : Reason.Progressing,
        synapseReady
            ? "Synapse is ready"
            : plan.synapseStopped()
                ? "Synapse is stopped while its accounts move to MAS"
                : "Waiting for the Synapse pod to become ready",
        generation,
        now);
    boolean masReady;
    if (plan.masMode()) {
      masReady = deploymentReady(context, ResourceNames.mas(md));
      StatusConditions.set(
          status,
          StatusConditions.MAS_READY,
          masReady,
          masReady ? Reason.PodsReady : Reason.Progressing,
          masReady ? "MAS is ready" : "Waiting for the MAS pod to become ready",
          generation,
          now);
    } else {
      masReady = true;
      StatusConditions.set(
          status,
          StatusConditions.MAS_READY,
          true,
          Reason.NotUsed,
          "auth.mode is legacy: Synapse handles logins",
          generation,
          now);
    }
    boolean routerReady = deploymentReady(context, ResourceNames.router(md));
    boolean ready = synapseReady && masReady && routerReady;
    StatusConditions.set(
        status,
        StatusConditions.READY,
        ready,
        ready ? Reason.AllReady : Reason.Progressing,
        ready
            ? "The homeserver is serving"
            : "Waiting for " + waitingFor(synapseReady, masReady, routerReady),
        generation,
        now);

    Syn2masMigration.Report moving =
        migration.advance(plan, auth, synapseReady, plan.masMode() && masReady);
    status.setMigration(migration.status(moving));
    if (moving.reason() == null) {
      StatusConditions.remove(status, StatusConditions.MIGRATION_COMPLETE);
    } else {
      StatusConditions.set(
          status,
          StatusConditions.MIGRATION_COMPLETE,
          moving.complete(),
          moving.reason(),
          moving.message(),
          generation,
          now);
    }
    if (moving.needsAction()) {
      StatusConditions.set(
          status,
          StatusConditions.DEGRADED,
          true,
          moving.reason(),
          moving.message(),
          generation,
          now);
    } else {
      StatusConditions.set(
          status,
          StatusConditions.DEGRADED,
          false,
          Reason.NoProblems,
          "No problems",
          generation,
          now);
    }
    Duration recheck = ready ? null : RECHECK;
    if (moving.recheck() != null && (recheck == null || moving.recheck().compareTo(recheck) < 0)) {
      recheck = moving.recheck();
    }
    return finish(md, before, status, recheck);
  }

  private static String waitingFor(boolean synapse, boolean mas, boolean router) {
    List<String> waiting = new ArrayList<>();
    if (!synapse) {
      waiting.add("Synapse");
    }
    if (!mas) {
      waiting.add("MAS");
    }
    if (!router) {
      waiting.add("the router");
    }
    return String.join(", ", waiting);
  }

  /** Rules only the Kubernetes target has: secrets must be Secret references. */
  private static boolean deploymentReady(Context<MatrixDeployment> context, String name) {
    // Both Deployments are secondaries of the primary: pick by name.
    return context.getSecondaryResources(Deployment.class).stream()
        .filter(d -> name.equals(d.getMetadata().getName()))
        .anyMatch(MatrixDeploymentReconciler::deploymentReady);
  }

  /*
   * Ready means running the template the operator applied last: the controller has seen it
   * (observedGeneration), the rollout is over, and a pod is ready. A ready pod of the previous
   * template does not count, or Ready would say True for a generation whose config has not rolled
   * out yet.
   */

  static boolean statefulSetReady(StatefulSet s) {
    var st = s.getStatus();
    return st != null
        && st.getObservedGeneration() != null
        && st.getObservedGeneration() >= s.getMetadata().getGeneration()
        && st.getUpdateRevision() != null
        && st.getUpdateRevision().equals(st.getCurrentRevision())
        && st.getReadyReplicas() != null
        && st.getReadyReplicas() >= 1;
  }

  static boolean deploymentReady(Deployment d) {
    var st = d.getStatus();
    return st != null
        && st.getObservedGeneration() != null
        && st.getObservedGeneration() >= d.getMetadata().getGeneration()
        && st.getUpdatedReplicas() != null
        && st.getUpdatedReplicas() >= 1
        && st.getUpdatedReplicas().equals(st.getReplicas())
        && st.getReadyReplicas() != null
        && st.getReadyReplicas() >= 1;
  }

  private UpdateControl<MatrixDeployment> finish(
      MatrixDeployment md,
      MatrixDeploymentStatus before,
      MatrixDeploymentStatus after,
      Duration recheck) {
    UpdateControl<MatrixDeployment> control;
    if (after.equals(before)) {
      control = UpdateControl.noUpdate();
    } else {
      md.setStatus(after);
      control = UpdateControl.patchStatus(md);
    }
    return recheck != null ? control.rescheduleAfter(recheck) : control;
  }

  @Override
  public ErrorStatusUpdateControl<MatrixDeployment> updateErrorStatus(
      MatrixDeployment md, Context<MatrixDeployment> context, Exception e) {
    MatrixDeploymentStatus before = copy(md.getStatus());
    MatrixDeploymentStatus status = copy(md.getStatus());
    long generation =
        md.getMetadata().getGeneration() == null ? 0 : md.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    String message = ReconcileErrorMessage.of(e);
    StatusConditions.set(
        status,
        StatusConditions.DEGRADED,
        true,
        Reason.ReconcileError,
        message,
        generation,
        Instant.now());
    StatusConditions.set(
        status,
        StatusConditions.READY,
        false,
        Reason.ReconcileError,
        message,
        generation,
        Instant.now());
    if (status.equals(before)) {
      // The same failure on a retry: the status says so already.
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    md.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(md);
  }

  @Override
  public List<EventSource<?, MatrixDeployment>> prepareEventSources(
      EventSourceContext<MatrixDeployment> context) {
    // The admin's Secrets are not owned by us: map each back to the MatrixDeployments that
    // reference it, so a changed password or client secret reaches the pods.
    // Only the Secrets labelled as referenced (UserSecrets labels them when it first reads them),
    // not every Secret in the cluster; the operator's own are cached by their dependents.
    var configuration =
        InformerEventSourceConfiguration.from(Secret.class, MatrixDeployment.class)
            .withName(UserSecrets.EVENT_SOURCE)
            .withLabelSelector(ResourceNames.REFERENCED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                secret ->
                    context
                        .getPrimaryCache()
                        .list(secret.getMetadata().getNamespace())
                        .filter(
                            md -> referencedSecrets(md).contains(secret.getMetadata().getName()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    // The one CRD a dependent's activation depends on, watched by name (the ClusterRole grants
    // nothing on other CRDs); its appearance reconciles every MatrixDeployment.
    var serviceMonitorCrd =
        InformerEventSourceConfiguration.from(
                CustomResourceDefinition.class, MatrixDeployment.class)
            .withName(Conditions.ServiceMonitorCrdInstalled.EVENT_SOURCE)
            .withWatchAllNamespaces()
            .withFieldSelector(
                new FieldSelector(
                    List.of(
                        new FieldSelector.Field(
                            "metadata.name", Conditions.ServiceMonitorCrdInstalled.CRD))))
            .withSecondaryToPrimaryMapper(
                crd ->
                    context
                        .getPrimaryCache()
                        .list()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    // The move to MAS: its step Jobs (owned), their pods (owned by the Jobs, mapped by the
    // instance label) and the marker ConfigMap (not owned: it outlives the MatrixDeployment).
    var stepJobs =
        InformerEventSourceConfiguration.from(Job.class, MatrixDeployment.class)
            .withName(StepJobs.JOB_EVENT_SOURCE)
            .withLabelSelector(StepJobs.STEP_LABEL + "," + ResourceNames.MANAGED_SELECTOR)
            .build();
    var stepPods =
        InformerEventSourceConfiguration.from(Pod.class, MatrixDeployment.class)
            .withName(StepJobs.POD_EVENT_SOURCE)
            .withLabelSelector(StepJobs.STEP_LABEL + "," + ResourceNames.MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                pod -> Set.of(new ResourceID(instance(pod), pod.getMetadata().getNamespace())))
            .build();
    var markers =
        InformerEventSourceConfiguration.from(ConfigMap.class, MatrixDeployment.class)
            .withName(MigrationMarker.EVENT_SOURCE)
            .withLabelSelector(MigrationMarker.LABEL + "," + ResourceNames.MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                cm ->
                    Set.of(
                        new ResourceID(
                            cm.getMetadata().getLabels().get(MigrationMarker.LABEL),
                            cm.getMetadata().getNamespace())))
            .build();
    return List.of(
        new InformerEventSource<>(configuration, context),
        new InformerEventSource<>(serviceMonitorCrd, context),
        new InformerEventSource<>(stepJobs, context),
        new InformerEventSource<>(stepPods, context),
        new InformerEventSource<>(markers, context),
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Service.class, MatrixDeployment.class)
                .withName(SERVICES)
                .withLabelSelector(ResourceNames.MANAGED_SELECTOR)
                .build(),
            context),
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Deployment.class, MatrixDeployment.class)
                .withName(DEPLOYMENTS)
                .withLabelSelector(ResourceNames.MANAGED_SELECTOR)
                .build(),
            context));
  }

  private static String instance(io.fabric8.kubernetes.api.model.HasMetadata o) {
    return o.getMetadata().getLabels().get("app.kubernetes.io/instance");
  }

  /** Names of the Secrets a MatrixDeployment references (without planning it). */
  static Set<String> referencedSecrets(MatrixDeployment md) {
    if (md.getSpec() == null) {
      return Set.of();
    }
    return mxstack.core.plan.Planner.secretReferences(md.getSpec()).values().stream()
        .map(r -> r.secretName())
        .filter(java.util.Objects::nonNull)
        .collect(Collectors.toSet());
  }

  private static boolean sameCondition(
      MatrixDeploymentStatus a, MatrixDeploymentStatus b, String type) {
    var x = a.condition(type);
    var y = b.condition(type);
    return x != null
        && y != null
        && x.getStatus().equals(y.getStatus())
        && x.getReason().equals(y.getReason())
        && java.util.Objects.equals(x.getMessage(), y.getMessage());
  }

  private static MatrixDeploymentStatus copy(MatrixDeploymentStatus status) {
    MatrixDeploymentStatus copy = new MatrixDeploymentStatus();
    if (status != null) {
      copy.setObservedGeneration(status.getObservedGeneration());
      copy.setConditions(
          new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions()));
      copy.setAuthMode(status.getAuthMode());
      copy.setHomeserverUrl(status.getHomeserverUrl());
      copy.setMasUrl(status.getMasUrl());
      copy.setMigration(status.getMigration() == null ? null : status.getMigration().copy());
    }
    return copy;
  }
}
