package mxstack.core.plan;

/**
 * Where and how the plan runs: paths, ports and addresses of one target. Pure data: the adapters
 * build it (from their environment) and hand it to the planner.
 *
 * @param kind Cloudron-style container or Kubernetes
 * @param configDir absolute directory the rendered config files are placed in
 * @param secretsDir absolute directory holding the generated secrets (persistent)
 * @param derivedSecretsDir absolute directory for files built from secrets (pgpass, etc.)
 * @param userSecretsDir absolute directory Kubernetes Secrets referenced by the spec are mounted
 *     under ({@code <dir>/<secretName>/<key>}); unused on Cloudron, where references are files
 * @param dataDir absolute directory for Synapse's persistent data (media)
 * @param runDir absolute directory for runtime state (nginx temp files, pid files)
 * @param synapsePython the Python interpreter of the Synapse virtualenv
 * @param masBinary the {@code mas-cli} executable
 * @param masShareDir the MAS release's {@code share} directory (templates, assets, policy)
 * @param nginxBinary the nginx executable
 * @param psqlBinary the psql client, used to create MAS's schema before MAS migrates into it
 * @param bindAddress address the services listen on
 * @param synapseHost host the router and MAS use to reach Synapse
 * @param masHost host the router and Synapse use to reach MAS
 * @param routerHost host the router's own readiness check connects to
 * @param ports the ports of every listener
 * @param runAsUser the user child processes run as, or null to keep the current one
 * @param metrics whether Prometheus listeners are rendered
 */
public record Target(
    TargetKind kind,
    String configDir,
    String secretsDir,
    String derivedSecretsDir,
    String userSecretsDir,
    String dataDir,
    String runDir,
    String synapsePython,
    String masBinary,
    String masShareDir,
    String nginxBinary,
    String psqlBinary,
    String bindAddress,
    String synapseHost,
    String masHost,
    String routerHost,
    Ports ports,
    String runAsUser,
    boolean metrics) {

  /**
   * Listener ports.
   *
   * @param router the nginx router (Cloudron's httpPort)
   * @param synapse Synapse's client and federation listener
   * @param synapseMetrics Synapse's metrics listener
   * @param masWeb MAS's public listener
   * @param masInternal MAS's health and metrics listener
   */
  public record Ports(int router, int synapse, int synapseMetrics, int masWeb, int masInternal) {
    /** The ports used when nothing else is said. */
    public static Ports defaults() {
      return new Ports(8000, 8008, 9000, 8080, 8081);
    }
  }

  /** The layout inside the Cloudron app container (see cloudron/ and the Dockerfile). */
  public static Target cloudron() {
    return new Target(
        TargetKind.CLOUDRON,
        "/run/mxstack/config",
        "/app/data/secrets",
        "/run/mxstack/secrets",
        "/run/mxstack/user-secrets",
        "/app/data/synapse",
        "/run/mxstack",
        "/app/code/synapse/bin/python",
        "/app/code/mas/mas-cli",
        "/app/code/mas/share",
        "/usr/sbin/nginx",
        "/usr/bin/psql",
        "127.0.0.1",
        "127.0.0.1",
        "127.0.0.1",
        "127.0.0.1",
        Ports.defaults(),
        "cloudron",
        false);
  }

  /**
   * The layout in Kubernetes pods: every file lives under fixed mount paths, and services reach
   * each other through the given Service host names.
   */
  public static Target kubernetes(String synapseService, String masService) {
    return new Target(
        TargetKind.KUBERNETES,
        "/etc/mxstack/config",
        "/etc/mxstack/secrets",
        "/etc/mxstack/derived-secrets",
        "/etc/mxstack/user-secrets",
        "/data",
        "/tmp/mxstack",
        "/usr/local/bin/python",
        "/usr/local/bin/mas-cli",
        "/usr/local/share/mas-cli",
        "/usr/sbin/nginx",
        "/usr/bin/psql",
        "0.0.0.0",
        synapseService,
        masService,
        "127.0.0.1",
        Ports.defaults(),
        null,
        true);
  }

  /** Absolute path of a rendered file given its path relative to the config directory. */
  public String configPath(String relative) {
    return configDir + "/" + relative;
  }
}
