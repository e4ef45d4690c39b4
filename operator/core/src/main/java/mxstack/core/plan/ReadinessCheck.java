package mxstack.core.plan;

/**
 * How to tell a process is ready to serve.
 *
 * @param kind HTTP GET expecting a 2xx, or a TCP connect
 * @param host host to connect to
 * @param port port to connect to
 * @param path HTTP path (HTTP only)
 */
public record ReadinessCheck(Kind kind, String host, int port, String path) {

  /** The check method. */
  public enum Kind {
    /** GET the path; ready on a 2xx answer. */
    HTTP,
    /** Ready when the port accepts a connection. */
    TCP
  }

  /** An HTTP GET check. */
  public static ReadinessCheck http(String host, int port, String path) {
    return new ReadinessCheck(Kind.HTTP, host, port, path);
  }

  /** A TCP connect check. */
  public static ReadinessCheck tcp(String host, int port) {
    return new ReadinessCheck(Kind.TCP, host, port, null);
  }
}
