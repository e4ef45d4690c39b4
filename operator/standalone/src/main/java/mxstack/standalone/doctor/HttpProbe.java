package mxstack.standalone.doctor;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The doctor's HTTP client: every request bounded in time, every failure to get an answer turned
 * into a {@link NoAnswer} that says what happened in words, never a stack trace. With a {@code via}
 * address, requests for the deployment's public hosts go there instead, over plain HTTP/1.1 with
 * the public host in the Host header (and its scheme in X-Forwarded-Proto), as the outer proxy
 * would pass them on; java.net.http cannot set Host, so those go over a socket of their own.
 * Loopback addresses are always contacted directly.
 */
public final class HttpProbe {

  /** Largest answer read; discovery documents and error bodies are a few kilobytes. */
  static final int MAX_BODY = 1 << 20;

  /** Why no HTTP answer came. */
  public enum Failure {
    /** Nothing listens there (connection refused). */
    REFUSED,
    /** No connection, or no complete answer, within the timeout. */
    TIMEOUT,
    /** The host name does not resolve. */
    UNKNOWN_HOST,
    /** The TLS handshake failed (certificate, protocol). */
    TLS,
    /** The connection broke, or the answer was not HTTP. */
    BROKEN
  }

  /** No HTTP answer: {@link #getMessage()} says why, for an admin. */
  public static final class NoAnswer extends IOException {
    private final Failure failure;

    NoAnswer(Failure failure, String message) {
      super(message);
      this.failure = failure;
    }

    /** Why. */
    public Failure failure() {
      return failure;
    }
  }

  /**
   * An HTTP answer.
   *
   * @param status the status code
   * @param headers header values by lower-case name
   * @param body the body as UTF-8 text
   */
  public record Response(int status, Map<String, List<String>> headers, String body) {
    /** The first value of a header, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  private final URI via;
  private final Duration timeout;
  private final HttpClient client;

  /**
   * A probe.
   *
   * @param via where to send requests for public hosts (plain http), or null to send them where
   *     their URL says
   * @param timeout the bound on connecting, and again on the whole answer
   */
  public HttpProbe(URI via, Duration timeout) {
    if (via != null && !"http".equals(via.getScheme())) {
      throw new IllegalArgumentException(
          "--via must be a plain http address such as http://127.0.0.1:8000, not " + via);
    }
    this.via = via;
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The timeout in whole seconds, for messages. */
  public long timeoutSeconds() {
    return timeout.toSeconds();
  }

  /** GET with the given headers. */
  public Response get(URI uri, Map<String, String> headers) throws NoAnswer {
    return send("GET", uri, headers, null);
  }

  /**
   * Sends one request and reads the whole answer.
   *
   * @param body the request body, or null for none
   */
  public Response send(String method, URI uri, Map<String, String> headers, String body)
      throws NoAnswer {
    if (via != null && !isLoopback(uri.getHost())) {
      return viaSocket(method, uri, headers, body);
    }
    return direct(method, uri, headers, body);
  }

  /** Whether requests for this URL go to the via address. */
  public boolean routesVia(URI uri) {
    return via != null && !isLoopback(uri.getHost());
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  private Response direct(String method, URI uri, Map<String, String> headers, String body)
      throws NoAnswer {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> response;
    try {
      // The request timeout ends with the headers; this bounds the body too.
      response = pending.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new NoAnswer(Failure.TIMEOUT, "no complete answer within " + seconds());
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new NoAnswer(Failure.BROKEN, "interrupted");
    } catch (ExecutionException e) {
      throw describe(e.getCause(), uri);
    }
    Map<String, List<String>> lower = new TreeMap<>();
    response
        .headers()
        .map()
        .forEach((name, values) -> lower.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    byte[] bytes = response.body();
    if (bytes.length > MAX_BODY) {
      throw new NoAnswer(Failure.BROKEN, "the answer is larger than " + MAX_BODY + " bytes");
    }
    return new Response(response.statusCode(), lower, new String(bytes, StandardCharsets.UTF_8));
  }

  private NoAnswer describe(Throwable e, URI uri) {
    // The most telling cause wins: a refused connection wraps the unresolved name, say.
    if (causedBy(e, UnresolvedAddressException.class) || causedBy(e, UnknownHostException.class)) {
      return new NoAnswer(Failure.UNKNOWN_HOST, uri.getHost() + " does not resolve (DNS)");
    }
    if (causedBy(e, HttpConnectTimeoutException.class)) {
      return new NoAnswer(Failure.TIMEOUT, "could not connect within " + seconds());
    }
    if (causedBy(e, HttpTimeoutException.class)) {
      return new NoAnswer(Failure.TIMEOUT, "no answer within " + seconds());
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return new NoAnswer(Failure.TLS, "TLS failed: " + t.getMessage());
      }
    }
    if (causedBy(e, ConnectException.class)) {
      return new NoAnswer(Failure.REFUSED, "connection refused: nothing listens there");
    }
    return new NoAnswer(
        Failure.BROKEN, "the connection failed: " + (e == null ? "unknown error" : e.getMessage()));
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private Response viaSocket(String method, URI uri, Map<String, String> headers, String body)
      throws NoAnswer {
    long deadline = System.nanoTime() + timeout.toNanos();
    int viaPort = via.getPort() == -1 ? 80 : via.getPort();
    try (Socket socket = new Socket()) {
      try {
        socket.connect(new InetSocketAddress(via.getHost(), viaPort), (int) timeout.toMillis());
      } catch (SocketTimeoutException e) {
        throw new NoAnswer(Failure.TIMEOUT, "could not connect to " + via + " within " + seconds());
      } catch (UnknownHostException e) {
        throw new NoAnswer(Failure.UNKNOWN_HOST, via.getHost() + " does not resolve (DNS)");
      } catch (ConnectException e) {
        throw new NoAnswer(
            Failure.REFUSED, "connection to " + via + " refused: nothing listens there");
      }
      socket.setSoTimeout((int) timeout.toMillis());
      byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder();
      String target =
          uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (uri.getRawQuery() != null) {
        target += "?" + uri.getRawQuery();
      }
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: ").append(authority(uri)).append("\r\n");
      head.append("X-Forwarded-Proto: ").append(uri.getScheme()).append("\r\n");
      head.append("Connection: close\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (body != null) {
        head.append("Content-Length: ").append(payload.length).append("\r\n");
      }
      head.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(payload);
      out.flush();
      return read(new BufferedInputStream(socket.getInputStream()), method, deadline);
    } catch (NoAnswer e) {
      throw e;
    } catch (SocketTimeoutException e) {
      throw new NoAnswer(Failure.TIMEOUT, "no answer within " + seconds());
    } catch (IOException e) {
      throw new NoAnswer(Failure.BROKEN, "the connection to " + via + " failed: " + e.getMessage());
    }
  }

  /** host[:port] as the URL names it, the port left out when it is the scheme's default. */
  static String authority(URI uri) {
    int port = uri.getPort();
    boolean defaultPort =
        port == -1
            || ("https".equals(uri.getScheme()) && port == 443)
            || ("http".equals(uri.getScheme()) && port == 80);
    return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
  }

  private Response read(InputStream in, String method, long deadline) throws IOException {
    String statusLine = line(in, deadline);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new NoAnswer(Failure.BROKEN, "not an HTTP answer: " + abbreviate(statusLine));
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new NoAnswer(Failure.BROKEN, "not an HTTP answer: " + abbreviate(statusLine));
    }
    Map<String, List<String>> headers = new TreeMap<>();
    for (String header = line(in, deadline); !header.isEmpty(); header = line(in, deadline)) {
      int colon = header.indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(
                header.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(header.substring(colon + 1).trim());
      }
    }
    byte[] body;
    List<String> encoding = headers.getOrDefault("transfer-encoding", List.of());
    List<String> length = headers.getOrDefault("content-length", List.of());
    if (method.equals("HEAD") || status == 204 || status == 304 || status / 100 == 1) {
      body = new byte[0];
    } else if (encoding.stream().anyMatch(e -> e.toLowerCase(Locale.ROOT).contains("chunked"))) {
      body = chunked(in, deadline);
    } else if (!length.isEmpty()) {
      long n;
      try {
        n = Long.parseLong(length.get(0));
      } catch (NumberFormatException e) {
        throw new NoAnswer(Failure.BROKEN, "a bad Content-Length: " + length.get(0));
      }
      if (n > MAX_BODY) {
        throw new NoAnswer(Failure.BROKEN, "the answer is larger than " + MAX_BODY + " bytes");
      }
      body = exactly(in, (int) n, deadline);
    } else {
      body = untilClose(in, deadline);
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private byte[] chunked(InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in, deadline);
      int semicolon = size.indexOf(';');
      int n;
      try {
        n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new NoAnswer(Failure.BROKEN, "a broken chunked answer");
      }
      if (n == 0) {
        for (String trailer = line(in, deadline); !trailer.isEmpty(); ) {
          trailer = line(in, deadline);
        }
        return out.toByteArray();
      }
      if (out.size() + n > MAX_BODY) {
        throw new NoAnswer(Failure.BROKEN, "the answer is larger than " + MAX_BODY + " bytes");
      }
      out.write(exactly(in, n, deadline));
      line(in, deadline);
    }
  }

  private byte[] exactly(InputStream in, int n, long deadline) throws IOException {
    byte[] data = new byte[n];
    int read = 0;
    while (read < n) {
      checkDeadline(deadline);
      int r = in.read(data, read, n - read);
      if (r < 0) {
        throw new NoAnswer(Failure.BROKEN, "the connection closed before the answer was complete");
      }
      read += r;
    }
    return data;
  }

  private byte[] untilClose(InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
      out.write(buffer, 0, r);
      if (out.size() > MAX_BODY) {
        throw new NoAnswer(Failure.BROKEN, "the answer is larger than " + MAX_BODY + " bytes");
      }
      checkDeadline(deadline);
    }
    return out.toByteArray();
  }

  private String line(InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      checkDeadline(deadline);
      int c = in.read();
      if (c < 0) {
        if (out.size() == 0) {
          throw new NoAnswer(Failure.BROKEN, "the connection closed without an answer");
        }
        break;
      }
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        out.write(c);
      }
      if (out.size() > 16 * 1024) {
        throw new NoAnswer(Failure.BROKEN, "a header line longer than 16 KiB");
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  private void checkDeadline(long deadline) throws NoAnswer {
    if (System.nanoTime() > deadline) {
      throw new NoAnswer(Failure.TIMEOUT, "no complete answer within " + seconds());
    }
  }

  private String seconds() {
    return timeout.toSeconds() + " s";
  }

  private static String abbreviate(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }
}
