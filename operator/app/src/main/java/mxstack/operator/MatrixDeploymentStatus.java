package mxstack.operator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import mxstack.operator.migration.MigrationStatus;

/** Observed state of a MatrixDeployment. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MatrixDeploymentStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready, Degraded, SecretsReady, SynapseReady, MasReady and, while a move to MAS is asked"
          + " for or recorded, MigrationComplete, with stable reasons.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("How users log in: mas or legacy.")
  private String authMode;

  @JsonPropertyDescription("Public URL of the homeserver.")
  private String homeserverUrl;

  @JsonPropertyDescription("Public URL of MAS, in mas mode.")
  private String masUrl;

  @JsonPropertyDescription(
      "The move of Synapse's accounts to MAS (migration.strategy: syn2mas), also recorded in the"
          + " ConfigMap <name>-syn2mas.")
  private MigrationStatus migration;

  /** The generation this status describes. */
  public Long getObservedGeneration() {
    return observedGeneration;
  }

  /** Sets the generation this status describes. */
  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  /** The conditions. */
  public List<Condition> getConditions() {
    return conditions;
  }

  /** Sets the conditions. */
  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  /** The auth mode. */
  public String getAuthMode() {
    return authMode;
  }

  /** Sets the auth mode. */
  public void setAuthMode(String authMode) {
    this.authMode = authMode;
  }

  /** The homeserver URL. */
  public String getHomeserverUrl() {
    return homeserverUrl;
  }

  /** Sets the homeserver URL. */
  public void setHomeserverUrl(String homeserverUrl) {
    this.homeserverUrl = homeserverUrl;
  }

  /** The MAS URL. */
  public String getMasUrl() {
    return masUrl;
  }

  /** Sets the MAS URL. */
  public void setMasUrl(String masUrl) {
    this.masUrl = masUrl;
  }

  /** The move to MAS, or null. */
  public MigrationStatus getMigration() {
    return migration;
  }

  /** Sets the move to MAS. */
  public void setMigration(MigrationStatus migration) {
    this.migration = migration;
  }

  /** The condition of the given type, or null. */
  public Condition condition(String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MatrixDeploymentStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(authMode, s.authMode)
        && Objects.equals(homeserverUrl, s.homeserverUrl)
        && Objects.equals(masUrl, s.masUrl)
        && Objects.equals(migration, s.migration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, authMode, homeserverUrl, masUrl, migration);
  }
}
