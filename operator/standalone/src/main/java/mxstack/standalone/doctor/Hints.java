package mxstack.standalone.doctor;

import java.net.URI;

/**
 * Fix hints in words an admin can act on, chosen by what failed and by where the doctor runs:
 * inside the container it can name the loopback addresses, the secret file and MAS's state as the
 * supervisor reports it.
 */
final class Hints {

  private final LocalDeployment local;
  private final HttpProbe probe;
  private final URI via;

  Hints(LocalDeployment local, HttpProbe probe, URI via) {
    this.local = local;
    this.probe = probe;
    this.via = via;
  }

  /** How to see what the supervisor reports. */
  String statusCommand() {
    return local != null ? "`matrixctl status`" : "`matrixctl status` in the app's terminal";
  }

  /** Why nothing answered a request, and what to look at. */
  String noAnswer(Exchange e) {
    HttpProbe.NoAnswer n = e.noAnswer();
    URI uri = e.uri();
    boolean routed = probe.routesVia(uri);
    return switch (n.failure()) {
      case UNKNOWN_HOST ->
          uri.getHost()
              + " does not resolve: give it a DNS record (A/AAAA or CNAME) that points"
              + " at the server";
      case REFUSED ->
          routed
              ? "nothing listens at "
                  + via
                  + ": is the router running? "
                  + statusCommand()
                  + " shows it"
              : HttpProbe.isLoopback(uri.getHost())
                  ? "nothing listens at "
                      + uri.getHost()
                      + ":"
                      + uri.getPort()
                      + ": is the process running? "
                      + statusCommand()
                      + " shows it"
                  : "nothing accepts connections at "
                      + HttpProbe.authority(uri)
                      + ": check that the app runs and that the reverse proxy and firewall let"
                      + " the port through";
      case TIMEOUT ->
          "what answers there is hung or overloaded, or a firewall drops the connection; "
              + statusCommand()
              + " shows whether the processes are alive (a longer --timeout helps on a slow link)";
      case TLS ->
          "clients refuse this connection too: renew the certificate of "
              + uri.getHost()
              + " or fix its chain";
      case BROKEN -> "the connection broke off; retry, and look at the proxy's log";
    };
  }

  /**
   * A process asked on its own loopback port did not answer.
   *
   * @param process "Synapse" or "MAS"
   * @param state advice on the process's state, e.g. {@link #masState()}, or null
   */
  String processDown(String process, Exchange e, String state) {
    URI uri = e.uri();
    return switch (e.noAnswer().failure()) {
      case REFUSED ->
          "nothing listens at "
              + uri.getHost()
              + ":"
              + uri.getPort()
              + ": "
              + (state != null
                  ? state
                  : "is " + process + " running? " + statusCommand() + " shows it");
      case TIMEOUT ->
          process
              + " accepted the connection but did not answer: it is hung or overloaded; "
              + statusCommand()
              + " shows whether the supervisor is restarting it";
      default -> noAnswer(e);
    };
  }

  /** A proxy in front of Synapse answered 502/503/504 itself. */
  String synapseBehindProxy(Exchange e) {
    return switch (e.status()) {
      case 504 ->
          "Synapse did not answer the router in time: it is hung or overloaded; "
              + statusCommand()
              + " shows whether it is being restarted";
      default ->
          "the router answers but cannot reach Synapse"
              + (local != null ? " at " + local.synapse() : "")
              + ": is Synapse running? "
              + statusCommand()
              + " shows its state and last error";
    };
  }

  /** A proxy in front of MAS answered 502/503/504 itself. */
  String masBehindProxy(Exchange e) {
    if (e.status() == 504) {
      return "MAS did not answer the router in time: it is hung or overloaded; "
          + statusCommand()
          + " shows whether it is being restarted";
    }
    return "the router answers but cannot reach MAS: " + masState();
  }

  /** Synapse answered that it could not ask MAS (metadata, token introspection). */
  String synapseCannotReachMas() {
    String endpoint =
        local != null && local.masEndpoint() != null
            ? " at " + local.masEndpoint()
            : " (matrix_authentication_service.endpoint in homeserver.yaml)";
    if (local != null && "READY".equals(local.masState())) {
      return "Synapse cannot reach MAS"
          + endpoint
          + ": is MAS running? "
          + statusCommand()
          + " shows it; if it is, MAS may reject Synapse's shared secret (see"
          + " mas-shared-secret), and MAS's log says so";
    }
    return "Synapse cannot reach MAS" + endpoint + ": " + masState();
  }

  /** What the supervisor says about MAS, as advice. */
  String masState() {
    String state = local == null ? null : local.masState();
    if (state == null) {
      return "is MAS running? " + statusCommand() + " shows it";
    }
    return switch (state) {
      case "UNAVAILABLE" ->
          "MAS is not installed here (`matrixctl status` shows mas UNAVAILABLE: no mas-cli under"
              + " MAS_HOME); nobody can log in until it is";
      case "READY" -> "is MAS running? " + statusCommand() + " shows it, and MAS's log says more";
      default -> "MAS is " + state + " (`matrixctl status` shows its failing step and last error)";
    };
  }

  /** Where to run the doctor for checks that need the inside of the deployment. */
  String runInside() {
    return "run `matrixctl doctor` in the app's terminal (Cloudron: the app's web terminal), where"
        + " it can read the secret and reach the loopback ports";
  }
}
