package mxstack.standalone.cloudron;

/**
 * A supervised process as {@code matrixctl status} shows it.
 *
 * @param name process name
 * @param state where it is in its life
 * @param pid operating-system process id, or null when not running
 * @param restarts restarts since the supervisor started (crashes and config changes)
 * @param lastExit exit status of the last run, or null
 * @param inputsHash hash of the inputs it runs with
 * @param backoffMillis the delay before the next restart, 0 when none is pending
 * @param message what an admin should know, or null
 * @param failedStep the pre-start step whose failure ended the last run, or null
 * @param lastError the last line the failed step or the crashed process printed, or null
 */
public record ProcessStatus(
    String name,
    ProcessState state,
    Long pid,
    int restarts,
    Integer lastExit,
    String inputsHash,
    long backoffMillis,
    String message,
    String failedStep,
    String lastError) {}
