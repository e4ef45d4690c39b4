package mxstack.standalone.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A small but real OpenID Connect provider for tests, over HTTPS with a CA of its own: discovery,
 * JWKS, an authorization endpoint that signs in {@link #user} at once, a token endpoint that checks
 * the client's secret (basic or post), the redirect URI and PKCE, and issues an RS256-signed ID
 * token with the request's nonce, and a userinfo endpoint. Relying parties (Synapse, MAS) talk to
 * it as to any provider; they must trust {@link #caFile()}.
 */
final class TestOidcProvider implements AutoCloseable {

  /** The account the provider signs in. */
  record User(String subject, String username, String name, String email) {}

  private record Grant(
      String clientId, String redirectUri, String nonce, String codeChallenge, User user) {}

  final String clientId;
  final String clientSecret;
  final List<String> requests = new CopyOnWriteArrayList<>();
  volatile User user;

  private final Path dir;
  private final HttpsServer server;
  private final KeyPair signingKey;
  private final String keyId;
  private final Map<String, Grant> codes = new ConcurrentHashMap<>();
  private final Map<String, User> accessTokens = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final ObjectMapper json = new ObjectMapper();

  TestOidcProvider(String clientId, String clientSecret, User user) throws Exception {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.user = user;
    dir = Files.createTempDirectory("mxstack-oidc-");
    int port = LocalStack.freePort();
    makeCertificates(dir);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    signingKey = generator.generateKeyPair();
    keyId = "k" + port;
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext()));
    server.createContext("/", this::handle);
    // Relying parties and the test's browser talk to it at the same time.
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
  }

  /** The issuer: {@code https://127.0.0.1:<port>}. */
  String issuer() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  /** PEM file of the CA that signed the provider's certificate. */
  Path caFile() {
    return dir.resolve("ca.pem");
  }

  /**
   * A CA bundle of the system's CAs plus the provider's, for a relying party that reads
   * SSL_CERT_FILE (as OpenSSL does), standing in for an admin adding their IdP's CA to the trust
   * store.
   */
  Path trustBundle() throws IOException {
    Path bundle = dir.resolve("bundle.pem");
    Path system = Path.of("/etc/ssl/certs/ca-certificates.crt");
    String systemCas = Files.exists(system) ? Files.readString(system) : "";
    Files.writeString(bundle, systemCas + "\n" + Files.readString(caFile()));
    return bundle;
  }

  /** An HTTP client that trusts the provider's CA and follows no redirects. */
  HttpClient client() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caFile())) {
      trust.setCertificateEntry(
          "ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .sslContext(context)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.add(exchange.getRequestMethod() + " " + path);
    try {
      switch (path) {
        case "/.well-known/openid-configuration" -> send(exchange, 200, discovery());
        case "/jwks" -> send(exchange, 200, jwks());
        case "/authorize" -> authorize(exchange);
        case "/token" -> token(exchange);
        case "/userinfo" -> userinfo(exchange);
        default -> send(exchange, 404, "{\"error\":\"not_found\"}");
      }
    } catch (Exception e) {
      send(exchange, 500, "{\"error\":\"server_error\"}");
    } finally {
      exchange.close();
    }
  }

  private String discovery() {
    ObjectNode d = json.createObjectNode();
    String issuer = issuer();
    d.put("issuer", issuer);
    d.put("authorization_endpoint", issuer + "/authorize");
    d.put("token_endpoint", issuer + "/token");
    d.put("userinfo_endpoint", issuer + "/userinfo");
    d.put("jwks_uri", issuer + "/jwks");
    d.putArray("response_types_supported").add("code");
    d.putArray("subject_types_supported").add("public");
    d.putArray("id_token_signing_alg_values_supported").add("RS256");
    d.putArray("scopes_supported").add("openid").add("profile").add("email");
    d.putArray("token_endpoint_auth_methods_supported")
        .add("client_secret_basic")
        .add("client_secret_post");
    d.putArray("code_challenge_methods_supported").add("S256");
    d.putArray("grant_types_supported").add("authorization_code");
    d.putArray("claims_supported").add("sub").add("preferred_username").add("name").add("email");
    return d.toString();
  }

  private String jwks() {
    RSAPublicKey key = (RSAPublicKey) signingKey.getPublic();
    ObjectNode jwk = json.createObjectNode();
    jwk.put("kty", "RSA");
    jwk.put("use", "sig");
    jwk.put("alg", "RS256");
    jwk.put("kid", keyId);
    jwk.put("n", base64(unsigned(key.getModulus())));
    jwk.put("e", base64(unsigned(key.getPublicExponent())));
    ObjectNode set = json.createObjectNode();
    set.putArray("keys").add(jwk);
    return set.toString();
  }

  private void authorize(HttpExchange exchange) throws IOException {
    Map<String, String> q = form(exchange.getRequestURI().getRawQuery());
    if (!clientId.equals(q.get("client_id")) || !"code".equals(q.get("response_type"))) {
      send(exchange, 400, "{\"error\":\"invalid_request\"}");
      return;
    }
    String code = token();
    codes.put(
        code,
        new Grant(
            q.get("client_id"),
            q.get("redirect_uri"),
            q.get("nonce"),
            q.get("code_challenge"),
            user));
    String location =
        q.get("redirect_uri")
            + (q.get("redirect_uri").contains("?") ? "&" : "?")
            + "code="
            + code
            + (q.get("state") == null ? "" : "&state=" + encode(q.get("state")));
    exchange.getResponseHeaders().add("Location", location);
    exchange.sendResponseHeaders(302, -1);
  }

  private void token(HttpExchange exchange) throws Exception {
    Map<String, String> form =
        form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String id = form.get("client_id");
    String secret = form.get("client_secret");
    String basic = exchange.getRequestHeaders().getFirst("Authorization");
    if (basic != null && basic.startsWith("Basic ")) {
      String[] pair =
          new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8)
              .split(":", 2);
      // RFC 6749 form-encodes both before base64; some clients (authlib) do not: take either.
      id = pair[0];
      secret = pair[1];
      if (!clientSecret.equals(secret)) {
        id = URLDecoder.decode(pair[0], StandardCharsets.UTF_8);
        secret = URLDecoder.decode(pair[1], StandardCharsets.UTF_8);
      }
    }
    if (!clientId.equals(id) || !clientSecret.equals(secret)) {
      requests.add("invalid client: id " + id + ", secret " + (secret == null ? "none" : "given"));
      send(exchange, 401, "{\"error\":\"invalid_client\"}");
      return;
    }
    Grant grant = codes.remove(form.getOrDefault("code", ""));
    if (grant == null
        || !"authorization_code".equals(form.get("grant_type"))
        || !grant.redirectUri().equals(form.get("redirect_uri"))
        || (grant.codeChallenge() != null && !pkceMatches(grant, form.get("code_verifier")))) {
      send(exchange, 400, "{\"error\":\"invalid_grant\"}");
      return;
    }
    String accessToken = token();
    accessTokens.put(accessToken, grant.user());
    long now = System.currentTimeMillis() / 1000;
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", issuer());
    claims.put("sub", grant.user().subject());
    claims.put("aud", clientId);
    claims.put("iat", now);
    claims.put("exp", now + 600);
    claims.put("auth_time", now);
    if (grant.nonce() != null) {
      claims.put("nonce", grant.nonce());
    }
    claims.putAll(profile(grant.user()));
    ObjectNode response = json.createObjectNode();
    response.put("access_token", accessToken);
    response.put("token_type", "Bearer");
    response.put("expires_in", 600);
    response.put("scope", "openid profile email");
    response.put("id_token", sign(claims));
    send(exchange, 200, response.toString());
  }

  private void userinfo(HttpExchange exchange) throws IOException {
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    User u = auth == null ? null : accessTokens.get(auth.replaceFirst("^Bearer ", ""));
    if (u == null) {
      send(exchange, 401, "{\"error\":\"invalid_token\"}");
      return;
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", u.subject());
    claims.putAll(profile(u));
    send(exchange, 200, json.writeValueAsString(claims));
  }

  private static Map<String, Object> profile(User u) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("preferred_username", u.username());
    claims.put("name", u.name());
    claims.put("email", u.email());
    claims.put("email_verified", true);
    return claims;
  }

  private static boolean pkceMatches(Grant grant, String verifier) throws Exception {
    if (verifier == null) {
      return false;
    }
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
    return base64(digest).equals(grant.codeChallenge());
  }

  private String sign(Map<String, Object> claims) throws Exception {
    Map<String, Object> header = Map.of("alg", "RS256", "typ", "JWT", "kid", keyId);
    String input =
        base64(json.writeValueAsBytes(header)) + "." + base64(json.writeValueAsBytes(claims));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(signingKey.getPrivate());
    rsa.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + base64(rsa.sign());
  }

  private String token() {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private SSLContext serverContext() throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(dir.resolve("server.p12").toFile())) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  /** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
  private static void makeCertificates(Path dir) throws Exception {
    Files.writeString(
        dir.resolve("server.ext"),
        "basicConstraints=CA:FALSE\n"
            + "keyUsage=digitalSignature,keyEncipherment\n"
            + "extendedKeyUsage=serverAuth\n"
            + "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=mxstack test IdP CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    openssl(
        dir,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext");
    openssl(
        dir,
        "pkcs12",
        "-export",
        "-in",
        "server.pem",
        "-inkey",
        "server.key",
        "-certfile",
        "ca.pem",
        "-out",
        "server.p12",
        "-passout",
        "pass:changeit");
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    LocalStack.ProcessResult result = LocalStack.run(builder, Duration.ofSeconds(60));
    if (result.exitCode() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + ":\n" + result.output());
    }
  }

  private void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  static Map<String, String> form(String raw) {
    Map<String, String> map = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return map;
    }
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      map.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return map;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  @Override
  public void close() throws Exception {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A URI's query as a map. */
  static Map<String, String> query(URI uri) {
    return form(uri.getRawQuery());
  }
}
