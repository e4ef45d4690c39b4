package mxstack.standalone.it;

import static mxstack.standalone.it.LocalStack.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mxstack.core.plan.Planner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Spec fields that turn on a Synapse feature needing one of its optional extras, on the venv the
 * image ships: URL previews (url-preview) and, in legacy mode, logins through an upstream OpenID
 * Connect provider (oidc). Synapse refuses to start on such a config when the extra is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SynapseFeaturesIT {

  static final String CLIENT_REDIRECT = "https://client.example/after-login";

  final ObjectMapper json = new ObjectMapper();
  LocalStack stack;
  TestOidcProvider idp;
  HttpServer page;

  @BeforeAll
  void start() throws Exception {
    idp =
        new TestOidcProvider(
            "synapse-client",
            "s3cret:with/odd+chars",
            new TestOidcProvider.User("sub-alice", "alice", "Alice Liddell", "alice@idp.test"));
    page = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    page.createContext(
        "/article",
        exchange -> {
          byte[] body =
              ("<html><head><title>Plain title</title>"
                      + "<meta property=\"og:title\" content=\"A page worth previewing\">"
                      + "<meta property=\"og:description\" content=\"Served on loopback\">"
                      + "</head><body><p>text</p></body></html>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    page.start();
    stack = new LocalStack("features");
    Path clientSecret = stack.base.resolve("idp-client-secret");
    Files.writeString(clientSecret, idp.clientSecret);
    Files.setPosixFilePermissions(clientSecret, PosixFilePermissions.fromString("rw-------"));
    stack.plan(
        """
        apiVersion: mxstack.internal/v1alpha1
        kind: MatrixDeployment
        metadata:
          name: it-features
        spec:
          serverName: features.test
          homeserver:
            publicBaseUrl: https://matrix.features.test
            urlPreviews:
              enabled: true
            additionalConfig:
              # The page to preview is on loopback, which previews never fetch by default.
              url_preview_ip_range_whitelist: ["127.0.0.1"]
              sso:
                client_whitelist: ["%s"]
          auth:
            mode: legacy
            upstreamProviders:
              - id: 01JCC0VDR0N0PENDC0NNECT0DC
                name: Test IdP
                issuer: %s
                clientId: %s
                clientSecret:
                  file: %s
                fetchUserinfo: true
                synapseIdpId: oidc-test
          database:
            synapse:
              host: ${PG_HOST}
              port: ${PG_PORT}
              name: ${DATABASE}
              user: ${PG_USER}
              sslMode: disable
              password:
                file: ${PASSWORD_FILE}
        """
            .formatted(CLIENT_REDIRECT, idp.issuer(), idp.clientId, clientSecret));
    stack.apply();
    // The provider's certificate comes from the test's own CA; an admin would add such a CA to
    // the container's trust store, which OpenSSL (and so Synapse) reads through SSL_CERT_FILE.
    Process synapse =
        stack.start(Planner.SYNAPSE, Map.of("SSL_CERT_FILE", idp.trustBundle().toString()));
    stack.awaitHttpOk(stack.synapseUrl("/health"), synapse, Duration.ofSeconds(180));
  }

  @AfterAll
  void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
    if (page != null) {
      page.stop(0);
    }
    if (idp != null) {
      idp.close();
    }
  }

  /** What a browser got back: status, headers (lower-case names) and body. */
  record BrowserResponse(int status, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : values.get(0);
    }

    List<String> cookies() {
      return headers.getOrDefault("set-cookie", List.of()).stream()
          .map(c -> c.split(";", 2)[0])
          .toList();
    }
  }

  /**
   * GET from Synapse with the public host in the Host header, which java.net.http does not let a
   * caller set: HTTP/1.1 over a plain socket, as a browser behind the router would send it.
   */
  BrowserResponse getAsPublicHost(String pathAndQuery, List<String> cookies) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", stack.target.ports().synapse())) {
      socket.setSoTimeout(30_000);
      StringBuilder request =
          new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\n")
              .append("Host: matrix.features.test\r\n")
              .append("X-Forwarded-For: 127.0.0.1\r\n")
              .append("X-Forwarded-Proto: https\r\n")
              .append("Connection: close\r\n");
      if (!cookies.isEmpty()) {
        request.append("Cookie: ").append(String.join("; ", cookies)).append("\r\n");
      }
      socket.getOutputStream().write((request + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = raw.indexOf("\r\n\r\n");
      String[] head = raw.substring(0, end).split("\r\n");
      Map<String, List<String>> headers = new java.util.TreeMap<>();
      for (int i = 1; i < head.length; i++) {
        int colon = head[i].indexOf(':');
        headers
            .computeIfAbsent(head[i].substring(0, colon).toLowerCase(), k -> new ArrayList<>())
            .add(head[i].substring(colon + 1).trim());
      }
      return new BrowserResponse(
          Integer.parseInt(head[0].split(" ")[1]), headers, raw.substring(end + 4));
    }
  }

  @Test
  void aLinkIsPreviewedFromThePageItself() throws Exception {
    stack.register("bob", "preview password 1");
    String token =
        json.readTree(stack.passwordLogin(stack.synapseUrl(""), "bob", "preview password 1").body())
            .path("access_token")
            .asText();
    String target = "http://127.0.0.1:" + page.getAddress().getPort() + "/article";
    HttpResponse<String> preview =
        stack.send(
            HttpRequest.newBuilder(
                    URI.create(
                        stack.synapseUrl(
                            "/_matrix/client/v1/media/preview_url?url="
                                + URLEncoder.encode(target, StandardCharsets.UTF_8))))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build());
    assertStatus(200, preview, "preview_url");
    JsonNode og = json.readTree(preview.body());
    assertEquals("A page worth previewing", og.path("og:title").asText(), preview.body());
    assertEquals("Served on loopback", og.path("og:description").asText(), preview.body());
  }

  @Test
  void aUserLogsInThroughTheUpstreamProvider() throws Exception {
    HttpClient browser = idp.client();
    // Synapse sends a browser whose Host is not the public host there first, so the requests
    // to Synapse carry the public host, as the router passes it on.
    // 1. The client sends the user to Synapse's SSO redirect for the provider.
    BrowserResponse toIdp =
        getAsPublicHost(
            "/_matrix/client/v3/login/sso/redirect/oidc-test?redirectUrl="
                + URLEncoder.encode(CLIENT_REDIRECT, StandardCharsets.UTF_8),
            List.of());
    assertEquals(302, toIdp.status(), toIdp.toString());
    URI authorize = URI.create(toIdp.header("location"));
    assertTrue(authorize.toString().startsWith(idp.issuer() + "/authorize"), authorize.toString());
    // 2. The provider signs the user in and sends them back to Synapse's callback.
    HttpResponse<String> back =
        browser.send(
            HttpRequest.newBuilder(authorize).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertStatus(302, back, "provider authorization");
    URI callback = URI.create(back.headers().firstValue("Location").orElseThrow());
    assertEquals("matrix.features.test", callback.getHost());
    assertEquals("/_synapse/client/oidc/callback", callback.getPath());
    // 3. Synapse's callback: Synapse redeems the code at the provider, checks the signed ID
    // token, fetches userinfo and logs the user in.
    BrowserResponse done =
        getAsPublicHost(callback.getRawPath() + "?" + callback.getRawQuery(), toIdp.cookies());
    String location = done.header("location") == null ? "" : done.header("location");
    assertEquals(302, done.status(), "callback; provider saw " + idp.requests);
    Matcher loginToken = Pattern.compile("[?&]loginToken=([A-Za-z0-9_.~-]+)").matcher(location);
    assertTrue(
        loginToken.find(),
        "no login token after the callback: " + done.status() + "; provider saw " + idp.requests);
    assertTrue(location.startsWith(CLIENT_REDIRECT), location);
    assertTrue(idp.requests.contains("POST /token"), idp.requests.toString());
    assertTrue(idp.requests.contains("GET /userinfo"), idp.requests.toString());
    // 4. The client exchanges the login token for an access token.
    HttpResponse<String> login =
        stack.send(
            HttpRequest.newBuilder(URI.create(stack.synapseUrl("/_matrix/client/v3/login")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        json.createObjectNode()
                            .put("type", "m.login.token")
                            .put("token", loginToken.group(1))
                            .toString()))
                .build());
    assertStatus(200, login, "token login");
    assertEquals("@alice:features.test", json.readTree(login.body()).path("user_id").asText());
  }
}
