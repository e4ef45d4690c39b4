package mxstack.standalone.doctor;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import mxstack.standalone.cloudron.CloudronLayout;

/**
 * Which deployment the doctor checks and how it reaches it.
 *
 * @param serverName the Matrix server name (where clients look for the well-known documents), or
 *     null to learn it from the homeserver
 * @param baseUrl the homeserver's public base URL without a trailing slash, or null to learn it
 *     from the server name's well-known document
 * @param via where requests for the public hosts are sent (the router on loopback), or null
 * @param local what can be read inside the deployment, or null when running outside it
 */
public record DoctorTarget(String serverName, URI baseUrl, URI via, LocalDeployment local) {

  private static final Pattern HOST_AND_PORT =
      Pattern.compile(
          "(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\\d{1,5})?");

  /**
   * Works out the target from the command line and, inside a Cloudron container, from the
   * environment the supervisor uses.
   *
   * @param argument the URL or server name given, or null
   * @param serverName --server-name, or null
   * @param via --via, or null
   * @param env the process environment
   * @throws IllegalArgumentException with a message for the admin when the input cannot be used
   */
  public static DoctorTarget resolve(
      String argument, String serverName, String via, Map<String, String> env) {
    CloudronLayout layout = CloudronLayout.fromEnvironment(env);
    LocalDeployment local = LocalDeployment.read(layout);
    URI viaUri = via == null ? null : parseVia(via);
    if (serverName != null) {
      checkServerName(serverName);
    }
    if (argument == null) {
      String origin = env.get("CLOUDRON_APP_ORIGIN");
      if (origin == null && local != null) {
        origin = local.publicBaseUrl();
      }
      if (origin == null) {
        throw new IllegalArgumentException(
            "give the deployment's public URL or its server name, e.g. `matrixctl doctor"
                + " https://matrix.example.com` or `matrixctl doctor example.com` (inside the"
                + " Cloudron container the app's origin is used)");
      }
      URI base = baseUrl(origin);
      if (viaUri == null) {
        // Inside the container: the router on loopback, as Cloudron's proxy reaches it.
        viaUri = URI.create("http://127.0.0.1:" + layout.ports().router());
      }
      String name = serverName != null ? serverName : local == null ? null : local.serverName();
      return new DoctorTarget(name, base, viaUri, local);
    }
    if (argument.contains("://")) {
      URI base = baseUrl(argument);
      boolean same = local != null && sameUrl(base, local.publicBaseUrl());
      String name = serverName != null ? serverName : same ? local.serverName() : null;
      return new DoctorTarget(name, base, viaUri, same ? local : null);
    }
    checkServerName(argument);
    boolean same = local != null && argument.equalsIgnoreCase(local.serverName());
    return new DoctorTarget(
        serverName != null ? serverName : argument.toLowerCase(Locale.ROOT),
        null,
        viaUri,
        same ? local : null);
  }

  /** A base URL without its trailing slash; http or https, with a host and no query. */
  static URI baseUrl(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "'" + text + "' must be an http(s) URL such as https://matrix.example.com");
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' must be a base URL such as https://matrix.example.com (a host, no query)");
    }
    String s = uri.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s);
  }

  static boolean sameUrl(URI a, String b) {
    if (b == null) {
      return false;
    }
    try {
      URI other = baseUrl(b);
      return a.getScheme().equals(other.getScheme())
          && a.getHost().equalsIgnoreCase(other.getHost())
          && a.getPort() == other.getPort()
          && java.util.Objects.equals(a.getRawPath(), other.getRawPath());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static URI parseVia(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--via '" + text + "' is not a URL: " + e.getReason());
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--via must be a plain http address such as http://127.0.0.1:8000, not '" + text + "'");
    }
    return uri;
  }

  private static void checkServerName(String name) {
    if (!HOST_AND_PORT.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'"
              + name
              + "' is neither a URL nor a server name (a DNS name such as example.com, optionally"
              + " with :port)");
    }
  }

  /** The host of the server name, without a port. */
  String serverHost() {
    return serverName == null ? null : serverName.replaceAll(":\\d+$", "");
  }
}
