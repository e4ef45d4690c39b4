package mxstack.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Status conditions with stable reasons. {@code lastTransitionTime} changes only when a condition's
 * status changes.
 */
public final class StatusConditions {

  /** Condition types. */
  public static final String READY = "Ready";

  /** Something the admin must act on. */
  public static final String DEGRADED = "Degraded";

  /** Generated and referenced Secrets are in place. */
  public static final String SECRETS_READY = "SecretsReady";

  /** Synapse serves. */
  public static final String SYNAPSE_READY = "SynapseReady";

  /** MAS serves (or is not used). */
  public static final String MAS_READY = "MasReady";

  /** The move of Synapse's accounts to MAS (syn2mas) is complete; only while one is asked for. */
  public static final String MIGRATION_COMPLETE = "MigrationComplete";

  /** The fixed set of reasons. */
  public enum Reason {
    /** Everything is ready. */
    AllReady,
    /** The spec is invalid; the message lists every violation. */
    InvalidSpec,
    /** A referenced Secret or key does not exist. */
    MissingSecret,
    /** Secrets are in place. */
    SecretsPresent,
    /** Waiting for pods to become ready. */
    Progressing,
    /** Pods are ready. */
    PodsReady,
    /** Logins are not delegated to MAS, so MAS is not deployed. */
    NotUsed,
    /** Applying the desired objects failed; the message says why. */
    ReconcileError,
    /** Nothing wrong. */
    NoProblems,
    /** The move to MAS waits before its first step (for Synapse, or for the strategy). */
    Pending,
    /** The checks before the move run (ours, then syn2mas check); Synapse keeps the logins. */
    Checking,
    /** A check refused the move; Synapse keeps the logins; the message says what to change. */
    Blocked,
    /** The dry run, the backup, Synapse stopped, syn2mas migrate, or the start delegated. */
    Migrating,
    /** A step failed; Synapse keeps the logins; the message says which and why. */
    Failed,
    /** The spec asks for a move that must not run (MAS already has this deployment's logins). */
    Refused,
    /** The accounts are in MAS and logins are delegated to it; the move never runs again. */
    Complete
  }

  private StatusConditions() {}

  /** Removes a condition. */
  public static void remove(MatrixDeploymentStatus status, String type) {
    List<Condition> conditions = new ArrayList<>(status.getConditions());
    conditions.removeIf(c -> type.equals(c.getType()));
    status.setConditions(conditions);
  }

  /** Sets a condition, keeping its transition time when the status is unchanged. */
  public static void set(
      MatrixDeploymentStatus status,
      String type,
      boolean value,
      Reason reason,
      String message,
      long generation,
      Instant now) {
    List<Condition> conditions = new ArrayList<>(status.getConditions());
    Condition existing = status.condition(type);
    String statusText = value ? "True" : "False";
    String transition =
        existing != null && statusText.equals(existing.getStatus())
            ? existing.getLastTransitionTime()
            : now.toString();
    conditions.removeIf(c -> type.equals(c.getType()));
    conditions.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason.name())
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build());
    conditions.sort(java.util.Comparator.comparing(Condition::getType));
    status.setConditions(conditions);
  }
}
