package mxstack.standalone.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Checks a running deployment as a client would, plus what only the inside can see (the shared
 * secret, MAS's health listener): the well-known documents, the client API, the login wiring
 * between Synapse and MAS, MAS itself and QR-code login. Every request is bounded in time and the
 * independent ones run at once, so a hung process costs a timeout or two, not one per check.
 */
public final class Doctor {

  /** Check names, in the order they are reported. */
  public static final String WELL_KNOWN_CLIENT = "well-known-client";

  /** The federation discovery document. */
  public static final String WELL_KNOWN_SERVER = "well-known-server";

  /** {@code /_matrix/client/versions}. */
  public static final String CLIENT_VERSIONS = "client-versions";

  /** {@code /_matrix/client/v1/auth_metadata}, Synapse proxying MAS's metadata. */
  public static final String AUTH_METADATA = "auth-metadata";

  /** The login flows, from MAS's compatibility layer. */
  public static final String LOGIN_FLOWS = "login-flows";

  /** whoami with a made-up token. */
  public static final String WHOAMI = "whoami-bogus-token";

  /** Synapse's MAS API with the shared secret. */
  public static final String SHARED_SECRET = "mas-shared-secret";

  /** MAS's OpenID discovery document. */
  public static final String MAS_DISCOVERY = "mas-discovery";

  /** MAS's health endpoint. */
  public static final String MAS_HEALTH = "mas-health";

  /** The QR-code login rendezvous. */
  public static final String QR_RENDEZVOUS = "qr-rendezvous";

  /** MSC4108 rendezvous, served by Synapse when experimental_features.msc4108_enabled is on. */
  static final String RENDEZVOUS_PATH = "/_matrix/client/unstable/org.matrix.msc4108/rendezvous";

  private final HttpProbe probe;
  private final DoctorTarget target;
  private final LocalDeployment local;
  private final Hints hints;

  /** A doctor for {@code target}, sending its requests through {@code probe}. */
  public Doctor(HttpProbe probe, DoctorTarget target) {
    this.probe = probe;
    this.target = target;
    this.local = target.local();
    this.hints = new Hints(local, probe, target.via());
  }

  /** Runs every check; never throws for what the deployment answers or fails to. */
  public DoctorReport run() {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            8,
            r -> {
              Thread t = new Thread(r, "doctor");
              t.setDaemon(true);
              return t;
            });
    try {
      return run(pool);
    } finally {
      pool.shutdownNow();
    }
  }

  private DoctorReport run(ExecutorService pool) {
    URI given = target.baseUrl();
    String serverName = target.serverName();
    String serverNameSource;
    if (serverName != null) {
      serverNameSource =
          local != null && serverName.equals(local.serverName())
              ? "from Synapse's homeserver.yaml"
              : "given";
    } else {
      // Only a base URL was given: Synapse's signing keys name the server (when it federates);
      // otherwise the documents are looked for at the base URL's host.
      Exchange keys = get(url(given, "/_matrix/key/v2/server"), Map.of());
      JsonNode json = keys.status() == 200 ? keys.json() : null;
      if (json != null && json.path("server_name").isTextual()) {
        serverName = json.get("server_name").asText();
        serverNameSource = "from Synapse's signing keys";
      } else {
        serverName = given.getHost();
        serverNameSource = "assumed to be the base URL's host; --server-name checks another";
      }
    }
    String serverHost = serverName.replaceAll(":\\d+$", "");
    URI serverRoot = URI.create("https://" + serverHost);

    WellKnownChecks wellKnown = new WellKnownChecks(hints, serverHost, given);
    CompletableFuture<Exchange> clientDoc =
        async(pool, () -> get(url(serverRoot, "/.well-known/matrix/client"), Map.of()));
    CompletableFuture<Exchange> serverDoc =
        async(pool, () -> get(url(serverRoot, "/.well-known/matrix/server"), Map.of()));
    // Without a base URL, the client document names it (as clients find it), else the server.
    CheckResult client = given == null ? wellKnown.client(clientDoc.join()) : null;
    URI base =
        given != null
            ? given
            : wellKnown.discoveredBase() != null ? wellKnown.discoveredBase() : serverRoot;

    SynapseChecks synapse = new SynapseChecks(hints, base);
    MasChecks mas = new MasChecks(hints);
    CompletableFuture<Exchange> versions =
        async(pool, () -> get(url(base, "/_matrix/client/versions"), Map.of()));
    CompletableFuture<Exchange> metadata =
        async(pool, () -> get(url(base, "/_matrix/client/v1/auth_metadata"), Map.of()));
    CompletableFuture<Exchange> flows =
        async(pool, () -> get(url(base, "/_matrix/client/v3/login"), Map.of()));
    CompletableFuture<Exchange> whoami =
        async(
            pool,
            () ->
                get(
                    url(base, "/_matrix/client/v3/account/whoami"),
                    Map.of("Authorization", "Bearer " + bogusToken())));
    boolean legacyKnown = local != null && Boolean.FALSE.equals(local.masMode());
    CompletableFuture<CheckResult> secret = legacyKnown ? null : async(pool, this::sharedSecret);
    CompletableFuture<CheckResult> health = legacyKnown ? null : async(pool, () -> masHealth(mas));
    CompletableFuture<CheckResult> rendezvous =
        legacyKnown ? null : async(pool, () -> synapse.rendezvous(rendezvous(base)));

    Exchange metadataAnswer = metadata.join();
    // Where the deployment's own config says nothing, a 404 from Synapse itself means legacy.
    boolean legacy =
        legacyKnown
            || (local == null || local.masMode() == null)
                && metadataAnswer.status() == 404
                && "M_UNRECOGNIZED".equals(metadataAnswer.errcode());
    String issuer = SynapseChecks.issuer(metadataAnswer);
    CompletableFuture<CheckResult> discovery =
        legacy ? null : async(pool, () -> masDiscovery(mas, issuer, base));

    List<CheckResult> results = new ArrayList<>();
    results.add(client != null ? client : wellKnown.client(clientDoc.join()));
    results.add(wellKnown.server(serverDoc.join()));
    results.add(synapse.versions(versions.join()));
    results.add(synapse.authMetadata(metadataAnswer, legacy, wellKnown.advertisedIssuer()));
    results.add(synapse.loginFlows(flows.join(), legacy));
    results.add(synapse.whoami(whoami.join(), legacy));
    if (!legacy) {
      results.add(secret.join());
      results.add(discovery.join());
      results.add(health.join());
      results.add(rendezvous.join());
    }
    return new DoctorReport(
        base.toString(), serverName, serverNameSource, target.via(), local != null, results);
  }

  private CheckResult sharedSecret() {
    if (local == null) {
      return CheckResult.warn(
          SHARED_SECRET,
          "not checked: the secret Synapse and MAS share is readable only inside the deployment",
          hints.runInside());
    }
    String secret = local.readSharedSecret();
    if (secret == null) {
      return CheckResult.warn(
          SHARED_SECRET,
          "not checked: " + local.sharedSecretFile() + " cannot be read here",
          "run the doctor as root (or as the app's user) in the app's terminal");
    }
    Exchange e =
        get(
            url(local.synapse(), "/_synapse/mas/is_localpart_available"),
            Map.of("Authorization", "Bearer " + secret));
    return SynapseChecks.sharedSecret(e, local.sharedSecretFile(), hints);
  }

  private CheckResult masHealth(MasChecks mas) {
    if (local == null) {
      return CheckResult.warn(
          MAS_HEALTH,
          "not checked: MAS's health listener is on loopback inside the deployment",
          hints.runInside());
    }
    return mas.health(get(local.masHealth(), Map.of()));
  }

  private CheckResult masDiscovery(MasChecks mas, String advertised, URI base) {
    String issuer = advertised;
    String origin = "the issuer Synapse advertises";
    if (issuer == null && local != null && local.masPublicBase() != null) {
      issuer = local.masPublicBase();
      origin = "MAS's public_base from its config, since Synapse advertised no issuer";
    }
    if (issuer == null) {
      issuer = base + "/";
      origin = "assumed: MAS at the homeserver's host, since Synapse advertised no issuer";
    }
    URI doc =
        URI.create(
            (issuer.endsWith("/") ? issuer : issuer + "/") + ".well-known/openid-configuration");
    return mas.discovery(get(doc, Map.of()), advertised, origin);
  }

  /** Opens a rendezvous session as a phone showing a QR code does, then closes it again. */
  private Exchange rendezvous(URI base) {
    Exchange created =
        send("POST", url(base, RENDEZVOUS_PATH), Map.of("Content-Type", "text/plain"), "");
    JsonNode json = created.status() == 201 ? created.json() : null;
    if (json != null && json.path("url").isTextual()) {
      try {
        // It would expire on its own within a minute; the answer does not matter.
        send("DELETE", URI.create(json.get("url").asText()), Map.of(), null);
      } catch (IllegalArgumentException notAUrl) {
        // The check reports the URL.
      }
    }
    return created;
  }

  private Exchange get(URI uri, Map<String, String> headers) {
    return send("GET", uri, headers, null);
  }

  private Exchange send(String method, URI uri, Map<String, String> headers, String body) {
    try {
      return new Exchange(method, uri, probe.send(method, uri, headers, body), null);
    } catch (HttpProbe.NoAnswer e) {
      return new Exchange(method, uri, null, e);
    }
  }

  private static <T> CompletableFuture<T> async(ExecutorService pool, Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, pool);
  }

  static URI url(URI base, String path) {
    return URI.create(base.toString() + path);
  }

  /** A token no server issued, so that a 401 shows the token was really checked. */
  private static String bogusToken() {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    return "mxstack_doctor_not_a_token_" + HexFormat.of().formatHex(random);
  }
}
