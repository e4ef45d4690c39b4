package mxstack.standalone.it;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser for the tests, as a person would use one behind Cloudron's proxy: requests to the
 * deployment's public https URLs go to the local router with the public host in the Host header and
 * {@code X-Forwarded-Proto: https}; cookies are kept by name (the deployment marks them Secure,
 * which a plain client would not send back over the loopback); other hosts (an identity provider)
 * are reached directly with {@code direct}. Redirects are returned, not followed.
 */
final class Browser {

  private final String publicHost;
  private final String router;
  private final HttpClient local;
  private final HttpClient direct;
  private final Map<String, String> cookies = new LinkedHashMap<>();

  Browser(String publicHost, String router, HttpClient direct) {
    this.publicHost = publicHost;
    this.router = router;
    this.direct = direct;
    this.local =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  HttpResponse<String> get(String url) throws Exception {
    return send(url, "GET", null, null);
  }

  /** POSTs a JSON document. */
  HttpResponse<String> postJson(String url, String body) throws Exception {
    return send(url, "POST", body, "application/json");
  }

  /** POSTs an HTML form. */
  HttpResponse<String> post(String url, Map<String, String> form) throws Exception {
    StringBuilder body = new StringBuilder();
    for (Map.Entry<String, String> e : form.entrySet()) {
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return send(url, "POST", body.toString(), "application/x-www-form-urlencoded");
  }

  /** Follows redirects from {@code response} until one that is not a redirect; returns it. */
  HttpResponse<String> follow(HttpResponse<String> response) throws Exception {
    for (int hops = 0; hops < 15 && response.statusCode() / 100 == 3; hops++) {
      String location = response.headers().firstValue("Location").orElseThrow();
      response = get(response.uri().resolve(location).toString());
    }
    return response;
  }

  private HttpResponse<String> send(String url, String method, String form, String type)
      throws Exception {
    URI uri = URI.create(url);
    boolean ours = publicHost.equalsIgnoreCase(uri.getHost());
    URI target =
        ours
            ? URI.create(
                router
                    + uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
            : uri;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                form == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(form));
    if (form != null) {
      request.header("Content-Type", type);
    }
    if (ours) {
      request.header("Host", publicHost);
      request.header("X-Forwarded-Proto", "https");
      request.header("X-Forwarded-For", "127.0.0.1");
      if (!cookies.isEmpty()) {
        StringBuilder cookie = new StringBuilder();
        cookies.forEach(
            (k, v) ->
                cookie.append(cookie.length() == 0 ? "" : "; ").append(k).append('=').append(v));
        request.header("Cookie", cookie.toString());
      }
    }
    HttpResponse<String> response =
        (ours ? local : direct).send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (ours) {
      for (String set : response.headers().allValues("Set-Cookie")) {
        String pair = set.split(";", 2)[0];
        int eq = pair.indexOf('=');
        String value = pair.substring(eq + 1);
        if (value.isEmpty() || set.toLowerCase().contains("max-age=0")) {
          cookies.remove(pair.substring(0, eq));
        } else {
          cookies.put(pair.substring(0, eq), value);
        }
      }
    }
    return new Rebased(response, uri);
  }

  /** The value of a hidden form field in an HTML page. */
  static String hiddenField(String html, String name) {
    Matcher m =
        Pattern.compile("name=\"" + Pattern.quote(name) + "\"[^>]*value=\"([^\"]*)\"")
            .matcher(html);
    if (m.find()) {
      return m.group(1);
    }
    m =
        Pattern.compile("value=\"([^\"]*)\"[^>]*name=\"" + Pattern.quote(name) + "\"")
            .matcher(html);
    if (m.find()) {
      return m.group(1);
    }
    throw new AssertionError("no field " + name + " in:\n" + html);
  }

  /** A response whose URI is the public one that was asked for, so redirects resolve there. */
  private record Rebased(HttpResponse<String> inner, URI publicUri)
      implements HttpResponse<String> {
    @Override
    public int statusCode() {
      return inner.statusCode();
    }

    @Override
    public HttpRequest request() {
      return inner.request();
    }

    @Override
    public java.util.Optional<HttpResponse<String>> previousResponse() {
      return inner.previousResponse();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return inner.headers();
    }

    @Override
    public String body() {
      return inner.body();
    }

    @Override
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
      return inner.sslSession();
    }

    @Override
    public URI uri() {
      return publicUri;
    }

    @Override
    public HttpClient.Version version() {
      return inner.version();
    }
  }
}
