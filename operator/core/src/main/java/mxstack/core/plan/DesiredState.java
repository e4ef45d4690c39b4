package mxstack.core.plan;

import java.util.List;
import java.util.Optional;

/**
 * What the deployment should look like: every rendered file, every process and every secret it
 * needs. A value: computing it has no side effects, applying it is the adapters' job.
 *
 * @param files rendered files, sorted by path
 * @param processes processes in start order (dependencies first)
 * @param secrets secrets that must exist, generated or provided
 * @param derivedSecrets files the adapter assembles from secret values
 * @param userSecrets secrets the admin provides, referenced from the spec
 * @param warnings things the admin should know that do not block the plan
 * @param loginCheck when people can log in only with a MAS password: a command (run with MAS's
 *     environment, once MAS is ready) that prints {@code t} when some user has one and {@code f}
 *     when nobody can log in yet; null otherwise
 * @param migration the syn2mas steps while Synapse keeps the logins and the spec asks to move them
 *     to MAS, null otherwise
 */
public record DesiredState(
    List<PlannedFile> files,
    List<PlannedProcess> processes,
    List<SecretRequirement> secrets,
    List<DerivedSecretFile> derivedSecrets,
    List<UserSecret> userSecrets,
    List<String> warnings,
    PreStartStep loginCheck,
    MigrationPlan migration) {

  /** What the log and status say while {@link #loginCheck} prints {@code f}. */
  public static final String NOBODY_CAN_LOG_IN =
      "nobody can log in yet: there is no upstream provider (spec.auth.upstreamProviders) and no"
          + " user with a MAS password; create the first one as POSTINSTALL shows (mas-cli ..."
          + " manage register-user --admin)";

  /** The rendered file at {@code path}, if planned. */
  public Optional<PlannedFile> file(String path) {
    return files.stream().filter(f -> f.path().equals(path)).findFirst();
  }

  /** The process called {@code name}, if planned. */
  public Optional<PlannedProcess> process(String name) {
    return processes.stream().filter(p -> p.name().equals(name)).findFirst();
  }
}
