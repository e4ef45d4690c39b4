package mxstack.standalone.doctor;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import mxstack.core.plan.GeneratedSecrets;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.render.MasConfigRenderer;
import mxstack.core.render.SynapseConfigRenderer;
import mxstack.core.yaml.YamlTrees;
import mxstack.standalone.cloudron.CloudronLayout;
import mxstack.standalone.cloudron.ProcessStatus;
import mxstack.standalone.cloudron.SupervisorStatus;

/**
 * What the doctor can see only inside the deployment (the Cloudron container): the configs Synapse
 * and MAS run with, the shared secret, their loopback ports and the supervisor's status. Each part
 * is null when it cannot be read.
 *
 * @param serverName Synapse's server_name
 * @param publicBaseUrl Synapse's public_baseurl
 * @param masMode whether Synapse delegates logins to MAS, or null when unknown
 * @param masEndpoint where Synapse reaches MAS (matrix_authentication_service.endpoint)
 * @param masPublicBase MAS's http.public_base
 * @param sharedSecretFile the secret Synapse and MAS share
 * @param synapse Synapse's own listener, e.g. http://127.0.0.1:8008
 * @param masHealth MAS's health endpoint on its internal listener
 * @param masState the supervisor's state for MAS (READY, UNAVAILABLE, CRASH_LOOP, ...)
 */
public record LocalDeployment(
    String serverName,
    String publicBaseUrl,
    Boolean masMode,
    String masEndpoint,
    String masPublicBase,
    Path sharedSecretFile,
    URI synapse,
    URI masHealth,
    String masState) {

  /**
   * A status the supervisor has not rewritten for this long (it does every 10 s) says nothing about
   * now, as {@code matrixctl status} also warns.
   */
  static final long STALE_STATUS_SECONDS = 30;

  /** Reads what the layout's files say; null when none of them is there (running outside). */
  public static LocalDeployment read(CloudronLayout layout) {
    Target target = layout.target();
    Map<String, Object> homeserver =
        yaml(Path.of(target.configPath(SynapseConfigRenderer.HOMESERVER_YAML)));
    Path secret =
        Path.of(SecretPaths.of(target).generated(GeneratedSecrets.MAS_SYNAPSE_SHARED.name()));
    if (homeserver == null && !Files.isReadable(secret)) {
      return null;
    }
    String serverName = null;
    String publicBaseUrl = null;
    Boolean masMode = null;
    String masEndpoint = null;
    if (homeserver != null) {
      serverName = string(homeserver.get("server_name"));
      publicBaseUrl = string(homeserver.get("public_baseurl"));
      Object mas = homeserver.get("matrix_authentication_service");
      masMode = mas instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("enabled"));
      if (mas instanceof Map<?, ?> m) {
        masEndpoint = string(m.get("endpoint"));
      }
    }
    Map<String, Object> masConfig = yaml(Path.of(target.configPath(MasConfigRenderer.CONFIG_YAML)));
    String masPublicBase = null;
    if (masConfig != null && masConfig.get("http") instanceof Map<?, ?> http) {
      masPublicBase = string(http.get("public_base"));
    }
    return new LocalDeployment(
        serverName,
        publicBaseUrl,
        masMode,
        masEndpoint,
        masPublicBase,
        secret,
        URI.create("http://" + target.synapseHost() + ":" + target.ports().synapse()),
        URI.create("http://" + target.masHost() + ":" + target.ports().masInternal() + "/health"),
        masState(layout.statusFile()));
  }

  /** The shared secret as Synapse reads it (trimmed), or null when it cannot be read here. */
  public String readSharedSecret() {
    try {
      return sharedSecretFile == null
          ? null
          : Files.readString(sharedSecretFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return null;
    }
  }

  private static String masState(Path statusFile) {
    try {
      SupervisorStatus status = SupervisorStatus.read(statusFile);
      if (Duration.between(Instant.parse(status.updated()), Instant.now()).toSeconds()
          > STALE_STATUS_SECONDS) {
        return null;
      }
      for (ProcessStatus p : status.processes()) {
        if (p.name().equals("mas")) {
          return p.state().name();
        }
      }
    } catch (IOException | RuntimeException e) {
      // No status (the supervisor is not running here): the hints say less.
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path file) {
    try {
      if (!Files.isReadable(file)) {
        return null;
      }
      Object tree =
          YamlTrees.toJava(YamlTrees.compose(Files.readString(file, StandardCharsets.UTF_8)));
      return tree instanceof Map<?, ?> ? (Map<String, Object>) tree : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String string(Object value) {
    return value == null ? null : value.toString();
  }
}
