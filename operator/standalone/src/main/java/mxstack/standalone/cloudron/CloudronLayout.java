package mxstack.standalone.cloudron;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import mxstack.core.plan.Target;
import mxstack.core.plan.TargetKind;

/**
 * Where things are in Cloudron mode: the container's fixed paths, each overridable through an
 * {@code MXSTACK_*} variable so the same supervisor runs in a simulated Cloudron on any machine.
 *
 * @param dataDir persistent, backed-up data ({@code /app/data})
 * @param runDir runtime state and rendered configs ({@code /run/mxstack})
 * @param synapsePython the Synapse venv's python
 * @param masHome the unpacked MAS release (mas-cli and share/)
 * @param nginx the nginx binary
 * @param psql the psql binary
 * @param ports listener ports; the router's is the manifest's httpPort
 * @param runAsUser user the children run as, or null to keep the supervisor's
 */
public record CloudronLayout(
    Path dataDir,
    Path runDir,
    String synapsePython,
    String masHome,
    String nginx,
    String psql,
    Target.Ports ports,
    String runAsUser) {

  /** The admin's spec file. */
  public Path specFile() {
    return dataDir.resolve("matrix.yaml");
  }

  /** matrix.yaml's text, or null when there is no such file. */
  public String readSpec() throws java.io.IOException {
    try {
      return Files.readString(specFile(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  /** The status file {@code matrixctl status} reads. */
  public Path statusFile() {
    return runDir.resolve("status.json");
  }

  /** Secrets taken from Cloudron's environment at each start (never persisted). */
  public Path environmentSecretsDir() {
    return runDir.resolve("env-secrets");
  }

  /** Reads the layout from the environment; unset variables keep the container defaults. */
  public static CloudronLayout fromEnvironment(Map<String, String> env) {
    String user = env.getOrDefault("MXSTACK_RUN_AS", defaultUser());
    Target.Ports defaults = Target.Ports.defaults();
    return new CloudronLayout(
        Path.of(env.getOrDefault("MXSTACK_DATA_DIR", "/app/data")),
        Path.of(env.getOrDefault("MXSTACK_RUN_DIR", "/run/mxstack")),
        env.getOrDefault("MXSTACK_SYNAPSE_PYTHON", "/app/code/synapse/bin/python"),
        env.getOrDefault("MAS_HOME", "/app/code/mas"),
        env.getOrDefault("NGINX_BIN", "/usr/sbin/nginx"),
        env.getOrDefault("PSQL_BIN", "/usr/bin/psql"),
        new Target.Ports(
            port(env, "MXSTACK_HTTP_PORT", defaults.router()),
            port(env, "MXSTACK_SYNAPSE_PORT", defaults.synapse()),
            defaults.synapseMetrics(),
            port(env, "MXSTACK_MAS_PORT", defaults.masWeb()),
            port(env, "MXSTACK_MAS_INTERNAL_PORT", defaults.masInternal())),
        user.isBlank() ? null : user);
  }

  private static String defaultUser() {
    // In the container the supervisor starts as root and runs its children as "cloudron".
    if (!"root".equals(System.getProperty("user.name"))) {
      return "";
    }
    try {
      boolean exists =
          Files.readAllLines(Path.of("/etc/passwd")).stream()
              .anyMatch(l -> l.startsWith("cloudron:"));
      return exists ? "cloudron" : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** The planner's view of this layout. */
  public Target target() {
    String run = runDir.toString();
    return new Target(
        TargetKind.CLOUDRON,
        run + "/config",
        dataDir + "/secrets",
        run + "/secrets",
        run + "/user-secrets",
        dataDir + "/synapse",
        run,
        synapsePython,
        masHome + "/mas-cli",
        masHome + "/share",
        nginx,
        psql,
        "127.0.0.1",
        "127.0.0.1",
        "127.0.0.1",
        "127.0.0.1",
        ports,
        runAsUser,
        false);
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name + " must be a port between 1 and 65535, not '" + value + "'");
    }
  }
}
