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
 */
public record DesiredState(
    List<PlannedFile> files,
    List<PlannedProcess> processes,
    List<SecretRequirement> secrets,
    List<DerivedSecretFile> derivedSecrets,
    List<UserSecret> userSecrets,
    List<String> warnings) {

  /** The rendered file at {@code path}, if planned. */
  public Optional<PlannedFile> file(String path) {
    return files.stream().filter(f -> f.path().equals(path)).findFirst();
  }

  /** The process called {@code name}, if planned. */
  public Optional<PlannedProcess> process(String name) {
    return processes.stream().filter(p -> p.name().equals(name)).findFirst();
  }
}
