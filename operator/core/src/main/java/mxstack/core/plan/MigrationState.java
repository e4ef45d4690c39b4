package mxstack.core.plan;

import java.util.Locale;

/**
 * Where a syn2mas migration is, one way only: each state is reached after the one before it and is
 * recorded before the next step starts, so that a restart resumes from it.
 */
public enum MigrationState {
  /** Synapse keeps the accounts and logins; nothing moved yet. */
  LEGACY,
  /** Our own preconditions and {@code syn2mas check} passed (warnings accepted, if any). */
  CHECKED,
  /** {@code syn2mas migrate --dry-run} passed and MAS's tables are empty again. */
  DRY_RUN_PASSED,
  /** Synapse's database is backed up and Synapse is stopped. */
  SYNAPSE_STOPPED,
  /** The accounts are in MAS; Synapse is to start delegated to MAS. */
  MIGRATED,
  /** Synapse runs delegated to MAS; the migration is complete and never runs again. */
  DELEGATED;

  /** The name in state files and status: {@code dry-run-passed}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The state with this wire name. */
  public static MigrationState fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** Whether the accounts are in MAS: logins must be delegated from now on, never back. */
  public boolean accountsInMas() {
    return this == MIGRATED || this == DELEGATED;
  }
}
