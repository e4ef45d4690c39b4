package mxstack.operator.migration;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import mxstack.core.plan.MigrationState;

/**
 * Where the move to MAS is: {@code status.migration} of a MatrixDeployment, and the same record in
 * the marker ConfigMap ({@link MigrationMarker}). Of the two, the one with the higher revision
 * counts, so a wiped status or a deleted marker cannot start the move over. No secret values.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationStatus {

  @JsonPropertyDescription(
      "The last state reached, one way only: legacy, checked, dry-run-passed, synapse-stopped,"
          + " migrated, delegated.")
  private String state;

  @JsonPropertyDescription(
      "Counts the attempts: a stopped attempt is tried again when the spec changes or its failed"
          + " Job is deleted. Part of the step Jobs' names.")
  private Integer attempt;

  @JsonPropertyDescription("The step whose Job runs now, if any.")
  private String step;

  @JsonPropertyDescription("The Job of that step.")
  private String job;

  @JsonPropertyDescription(
      "Why the last attempt stopped: Blocked (a check refused) or Failed (a step failed).")
  private String stoppedReason;

  @JsonPropertyDescription("The step at which the last attempt stopped.")
  private String stoppedStep;

  @JsonPropertyDescription("What stopped it, and what to change.")
  private String message;

  @JsonPropertyDescription("The metadata.generation of the spec the stopped attempt ran with.")
  private Long stoppedGeneration;

  @JsonPropertyDescription("The failed step's Job; deleting it tries the move again.")
  private String stoppedJob;

  @JsonPropertyDescription(
      "The PersistentVolumeClaim holding the dump of Synapse's database made before Synapse"
          + " stopped.")
  private String backupClaim;

  @JsonPropertyDescription("When this record was last written.")
  private String updated;

  @JsonPropertyDescription(
      "Incremented at each write of the record; the higher of status and marker counts.")
  private Long revision;

  /** A record in {@link MigrationState#LEGACY}, attempt 1, never written. */
  public static MigrationStatus initial() {
    MigrationStatus s = new MigrationStatus();
    s.state = MigrationState.LEGACY.wireName();
    s.attempt = 1;
    s.revision = 0L;
    return s;
  }

  /** The state as the core names it. */
  @JsonIgnore
  public MigrationState migrationState() {
    return state == null ? MigrationState.LEGACY : MigrationState.fromWire(state);
  }

  /** True when the last attempt stopped and has not been tried again. */
  @JsonIgnore
  public boolean stopped() {
    return stoppedReason != null;
  }

  /** A copy. */
  public MigrationStatus copy() {
    MigrationStatus c = fromData(toData());
    c.step = step;
    c.job = job;
    return c;
  }

  /** The persisted fields as ConfigMap data (the step running is not persisted). */
  public Map<String, String> toData() {
    Map<String, String> data = new LinkedHashMap<>();
    put(data, "state", state);
    put(data, "attempt", attempt);
    put(data, "stoppedReason", stoppedReason);
    put(data, "stoppedStep", stoppedStep);
    put(data, "message", message);
    put(data, "stoppedGeneration", stoppedGeneration);
    put(data, "stoppedJob", stoppedJob);
    put(data, "backupClaim", backupClaim);
    put(data, "updated", updated);
    put(data, "revision", revision);
    return data;
  }

  /** A record from ConfigMap data; unknown keys (a later version's) are ignored. */
  public static MigrationStatus fromData(Map<String, String> data) {
    MigrationStatus s = new MigrationStatus();
    s.state = data.get("state");
    s.attempt = integer(data.get("attempt"));
    s.stoppedReason = data.get("stoppedReason");
    s.stoppedStep = data.get("stoppedStep");
    s.message = data.get("message");
    s.stoppedGeneration = number(data.get("stoppedGeneration"));
    s.stoppedJob = data.get("stoppedJob");
    s.backupClaim = data.get("backupClaim");
    s.updated = data.get("updated");
    s.revision = number(data.get("revision"));
    return s;
  }

  private static void put(Map<String, String> data, String key, Object value) {
    if (value != null) {
      data.put(key, value.toString());
    }
  }

  private static Integer integer(String s) {
    return s == null ? null : Integer.valueOf(s);
  }

  private static Long number(String s) {
    return s == null ? null : Long.valueOf(s);
  }

  /** The revision, 0 when never written. */
  @JsonIgnore
  public long revisionOrZero() {
    return revision == null ? 0 : revision;
  }

  /** The attempt, 1 when unset. */
  @JsonIgnore
  public int attemptOrOne() {
    return attempt == null ? 1 : attempt;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public String getStep() {
    return step;
  }

  public void setStep(String step) {
    this.step = step;
  }

  public String getJob() {
    return job;
  }

  public void setJob(String job) {
    this.job = job;
  }

  public String getStoppedReason() {
    return stoppedReason;
  }

  public void setStoppedReason(String stoppedReason) {
    this.stoppedReason = stoppedReason;
  }

  public String getStoppedStep() {
    return stoppedStep;
  }

  public void setStoppedStep(String stoppedStep) {
    this.stoppedStep = stoppedStep;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Long getStoppedGeneration() {
    return stoppedGeneration;
  }

  public void setStoppedGeneration(Long stoppedGeneration) {
    this.stoppedGeneration = stoppedGeneration;
  }

  public String getStoppedJob() {
    return stoppedJob;
  }

  public void setStoppedJob(String stoppedJob) {
    this.stoppedJob = stoppedJob;
  }

  public String getBackupClaim() {
    return backupClaim;
  }

  public void setBackupClaim(String backupClaim) {
    this.backupClaim = backupClaim;
  }

  public String getUpdated() {
    return updated;
  }

  public void setUpdated(String updated) {
    this.updated = updated;
  }

  public Long getRevision() {
    return revision;
  }

  public void setRevision(Long revision) {
    this.revision = revision;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MigrationStatus s
        && toData().equals(s.toData())
        && Objects.equals(step, s.step)
        && Objects.equals(job, s.job);
  }

  @Override
  public int hashCode() {
    return Objects.hash(toData(), step, job);
  }
}
