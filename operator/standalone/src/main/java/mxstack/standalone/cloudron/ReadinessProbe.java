package mxstack.standalone.cloudron;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import mxstack.core.plan.ReadinessCheck;

/**
 * Runs a plan's readiness or liveness check with a plain socket: an HTTP/1.0 GET (ready on 2xx) or
 * a TCP connect. Kept to a socket so the supervisor does not load an HTTP client it otherwise needs
 * nowhere.
 */
final class ReadinessProbe {

  private static final int TIMEOUT_MILLIS = 2000;

  private ReadinessProbe() {}

  static boolean passes(ReadinessCheck check) {
    return passes(check, TIMEOUT_MILLIS);
  }

  /** Whether the check passes within {@code timeoutMillis} to connect and again to answer. */
  static boolean passes(ReadinessCheck check, int timeoutMillis) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(check.host(), check.port()), timeoutMillis);
      if (check.kind() == ReadinessCheck.Kind.TCP) {
        return true;
      }
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + check.path() + " HTTP/1.0\r\nHost: " + check.host() + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = new byte[12];
      int read = 0;
      while (read < head.length) {
        int n = in.read(head, read, head.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      String statusLine = new String(head, 0, read, StandardCharsets.US_ASCII);
      return statusLine.startsWith("HTTP/")
          && statusLine.length() >= 12
          && statusLine.charAt(9) == '2';
    } catch (IOException e) {
      return false;
    }
  }
}
