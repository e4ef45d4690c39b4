package mxstack.core.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an install whose accounts Synapse keeps moves them into MAS with syn2mas: the commands an
 * adapter runs, in order, on its way through the states of {@link MigrationState}. The adapter
 * decides when (Synapse stopped for {@link #MIGRATE}, never twice) and records the state; the plan
 * only says what to run.
 *
 * @param user user to run the steps as, or null for the adapter's own
 * @param workingDir working directory of the steps
 * @param steps the commands, each with the environment it needs
 * @param backupFile where the backup step writes the dump of Synapse's database
 * @param blockers what in the spec stops the migration, each with what to change (empty: none)
 * @param mappedIdps the {@code auth_provider} values of Synapse's {@code user_external_ids} that an
 *     upstream provider maps (its synapseIdpId): users linked to any other cannot move
 */
public record MigrationPlan(
    String user,
    String workingDir,
    List<Step> steps,
    String backupFile,
    List<String> blockers,
    List<String> mappedIdps,
    boolean acceptWarnings) {

  /** Prepares MAS's schema in Synapse's database (only when MAS keeps its tables in one). */
  public static final String PREPARE_SCHEMA = "prepare-schema";

  /** Creates MAS's tables (MAS's own migrations), which syn2mas fills. */
  public static final String MAS_DATABASE = "mas-database";

  /** The identity providers Synapse's users are linked to, one per line (psql). */
  public static final String EXTERNAL_IDS = "external-ids";

  /** {@code syn2mas check}: exit 0 clean, 11 warnings only, 10 errors. */
  public static final String CHECK = "check";

  /** {@code syn2mas migrate --dry-run}: the whole migration, then MAS's tables emptied again. */
  public static final String DRY_RUN = "dry-run";

  /** A dump of Synapse's database, before Synapse stops. */
  public static final String BACKUP = "backup";

  /**
   * Whether a migration already completed in MAS's schema (psql; prints {@code t}): MAS's tables
   * filled and syn2mas's resumption tables gone. Asked before {@link #MIGRATE} when resuming, as
   * syn2mas refuses a second run on a filled database.
   */
  public static final String MIGRATION_DONE = "migration-done";

  /** {@code syn2mas migrate}, with Synapse stopped. */
  public static final String MIGRATE = "migrate";

  /** Exit status of {@code syn2mas check} when it found warnings only. */
  public static final int CHECK_WARNINGS = 11;

  /** Exit status of syn2mas when it found errors. */
  public static final int CHECK_ERRORS = 10;

  /**
   * One command.
   *
   * @param name one of the constants above
   * @param program where the program comes from
   * @param argv the command line
   * @param env environment variables added to a minimal base environment
   */
  public record Step(
      String name, PreStartStep.Program program, List<String> argv, Map<String, String> env) {
    public Step {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
    }
  }

  public MigrationPlan {
    steps = List.copyOf(steps);
    blockers = List.copyOf(blockers);
    mappedIdps = List.copyOf(mappedIdps);
  }

  /** The step called {@code name}, if planned. */
  public Optional<Step> step(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
