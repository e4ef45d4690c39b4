package mxstack.standalone.cloudron;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the supervisor reports in {@code /run/mxstack/status.json} (written by {@link StatusJson}):
 * the spec's validity with every violation, and each process's state.
 *
 * @param updated when this was written (ISO-8601)
 * @param specFile the admin's spec file
 * @param specValid whether the last read of the spec was valid
 * @param violations the last read's violations (the previous valid plan stays in force)
 * @param warnings warnings of the plan in force, and the supervisor's own notices
 * @param applyError why the last plan could not be applied (nothing was changed; it is tried
 *     again), or null
 * @param migration where the move to MAS is, or null when there is none
 * @param masAvailable whether the MAS binary is installed
 * @param processes each supervised process
 */
public record SupervisorStatus(
    String updated,
    String specFile,
    boolean specValid,
    List<String> violations,
    List<String> warnings,
    String applyError,
    Migration migration,
    boolean masAvailable,
    List<ProcessStatus> processes) {

  /**
   * The move of the accounts to MAS.
   *
   * @param state the state reached: legacy, checked, dry-run-passed, synapse-stopped, migrated or
   *     delegated
   * @param step the step running now, or null
   * @param failedStep the step whose failure stopped the last attempt, or null
   * @param error why, or null
   */
  public record Migration(String state, String step, String failedStep, String error) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Reads a status file. */
  public static SupervisorStatus read(Path file) throws IOException {
    return JSON.readValue(Files.readAllBytes(file), SupervisorStatus.class);
  }
}
