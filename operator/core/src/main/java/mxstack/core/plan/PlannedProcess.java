package mxstack.core.plan;

import java.util.List;
import java.util.Map;

/**
 * A long-running program of the deployment: a child process on Cloudron, a container on Kubernetes.
 *
 * @param name stable name: synapse, mas or router
 * @param argv the command line
 * @param env environment variables added to a minimal base environment
 * @param user user to run as, or null for the supervisor's own
 * @param workingDir working directory
 * @param ports ports the process listens on
 * @param readiness how to tell it is ready
 * @param liveness how to tell it is alive (may equal readiness)
 * @param dependsOn names of processes that must be ready first
 * @param preStart steps that must succeed, in order, before each start (e.g. migrations)
 * @param inputFiles rendered files (relative to the config dir) the process reads
 * @param secretFiles absolute paths of secret files the process reads
 * @param reloadSignal the signal on which the process re-reads its input files in place (e.g.
 *     nginx's HUP), or null: when only their contents change, it is sent instead of a restart
 * @param inputsHash SHA-256 over everything above and the input files' contents: when it changes,
 *     the process must restart
 */
public record PlannedProcess(
    String name,
    List<String> argv,
    Map<String, String> env,
    String user,
    String workingDir,
    List<Integer> ports,
    ReadinessCheck readiness,
    ReadinessCheck liveness,
    List<String> dependsOn,
    List<PreStartStep> preStart,
    List<String> inputFiles,
    List<String> secretFiles,
    String reloadSignal,
    String inputsHash) {}
