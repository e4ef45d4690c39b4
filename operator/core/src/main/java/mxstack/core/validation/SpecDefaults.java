package mxstack.core.validation;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.AuthSpec;
import mxstack.core.spec.ClaimAction;
import mxstack.core.spec.ClaimSpec;
import mxstack.core.spec.ClaimsSpec;
import mxstack.core.spec.DatabaseSpec;
import mxstack.core.spec.DatabasesSpec;
import mxstack.core.spec.EmailSpec;
import mxstack.core.spec.FederationSpec;
import mxstack.core.spec.HomeserverSpec;
import mxstack.core.spec.IngressSpec;
import mxstack.core.spec.LegacyRegistrationSpec;
import mxstack.core.spec.MasRegistrationSpec;
import mxstack.core.spec.MasSpec;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.MediaSpec;
import mxstack.core.spec.MigrationSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.spec.ObjectMetaSpec;
import mxstack.core.spec.SmtpSecurity;
import mxstack.core.spec.SslMode;
import mxstack.core.spec.TokenEndpointAuthMethod;
import mxstack.core.spec.TurnSpec;
import mxstack.core.spec.UpstreamProviderSpec;
import mxstack.core.spec.UrlPreviewSpec;
import mxstack.core.spec.WellKnownSpec;

/**
 * Every default of the spec, in one place. Applying defaults is idempotent: {@code apply(apply(x))
 * == apply(x)}.
 */
public final class SpecDefaults {

  /** Default metadata.name when a document has none (Cloudron's matrix.yaml may omit it). */
  public static final String DEFAULT_NAME = "matrix";

  static final String DEFAULT_MAX_UPLOAD = "50M";
  static final String DEFAULT_STORAGE = "10Gi";
  static final int DEFAULT_DB_PORT = 5432;
  static final int DEFAULT_DB_POOL = 10;
  static final int DEFAULT_SMTP_PORT = 587;

  private SpecDefaults() {}

  /** Returns the document with every absent optional value filled in. */
  public static MatrixDeploymentDocument apply(MatrixDeploymentDocument doc) {
    ObjectMetaSpec meta = doc.metadata();
    ObjectMetaSpec metadata =
        new ObjectMetaSpec(
            meta == null || meta.name() == null ? DEFAULT_NAME : meta.name(),
            meta == null ? null : meta.namespace(),
            meta == null ? null : meta.labels(),
            meta == null ? null : meta.annotations());
    return new MatrixDeploymentDocument(doc.apiVersion(), doc.kind(), metadata, apply(doc.spec()));
  }

  /** Returns the spec with every absent optional value filled in. */
  public static MatrixDeploymentSpec apply(MatrixDeploymentSpec spec) {
    MatrixDeploymentSpec s =
        spec == null ? new MatrixDeploymentSpec(null, null, null, null, null, null, null) : spec;
    HomeserverSpec homeserver = homeserver(s.homeserver());
    return new MatrixDeploymentSpec(
        s.serverName(),
        homeserver,
        auth(s.auth()),
        databases(s.database()),
        wellKnown(s.wellKnown(), homeserver.publicBaseUrl()),
        ingress(s.ingress()),
        new MigrationSpec(
            or(s.migration() == null ? null : s.migration().strategy(), MigrationStrategy.NONE),
            or(s.migration() == null ? null : s.migration().acceptWarnings(), Boolean.FALSE)));
  }

  private static HomeserverSpec homeserver(HomeserverSpec h) {
    if (h == null) {
      h = new HomeserverSpec(null, null, null, null, null, null, null, null, null, null);
    }
    MediaSpec media = h.media();
    UrlPreviewSpec previews = h.urlPreviews();
    LegacyRegistrationSpec registration = h.registration();
    boolean registrationEnabled =
        registration != null && Boolean.TRUE.equals(registration.enabled());
    return new HomeserverSpec(
        h.publicBaseUrl(),
        new FederationSpec(
            or(h.federation() == null ? null : h.federation().enabled(), Boolean.TRUE)),
        new MediaSpec(
            or(media == null ? null : media.maxUploadSize(), DEFAULT_MAX_UPLOAD),
            or(media == null ? null : media.storageSize(), DEFAULT_STORAGE)),
        new UrlPreviewSpec(
            or(previews == null ? null : previews.enabled(), Boolean.FALSE),
            or(previews == null ? null : previews.extraBlockedIpRanges(), List.of())),
        new LegacyRegistrationSpec(
            registrationEnabled,
            or(registration == null ? null : registration.requireToken(), Boolean.TRUE)),
        turn(h.turn()),
        email(h.email()),
        h.image(),
        h.resources(),
        or(h.additionalConfig(), Map.of()));
  }

  private static TurnSpec turn(TurnSpec t) {
    if (t == null) {
      return null;
    }
    return new TurnSpec(
        or(t.uris(), List.of()),
        t.sharedSecret(),
        or(t.userLifetime(), "1h"),
        or(t.allowGuests(), Boolean.FALSE));
  }

  private static EmailSpec email(EmailSpec e) {
    if (e == null) {
      return null;
    }
    SmtpSecurity security = or(e.security(), SmtpSecurity.STARTTLS);
    return new EmailSpec(
        e.smtpHost(),
        or(e.smtpPort(), security == SmtpSecurity.TLS ? 465 : DEFAULT_SMTP_PORT),
        e.smtpUser(),
        e.smtpPassword(),
        security,
        e.from());
  }

  private static AuthSpec auth(AuthSpec a) {
    if (a == null) {
      a = new AuthSpec(null, null, null, null);
    }
    MasSpec m = a.mas() == null ? new MasSpec(null, null, null, null, null, null) : a.mas();
    MasRegistrationSpec r = m.registration();
    MasSpec mas =
        new MasSpec(
            m.publicBaseUrl(),
            or(m.passwordLogin(), Boolean.TRUE),
            new MasRegistrationSpec(
                or(r == null ? null : r.passwordRegistration(), Boolean.FALSE),
                or(r == null ? null : r.emailRequired(), Boolean.TRUE),
                or(r == null ? null : r.tokenRequired(), Boolean.FALSE)),
            m.image(),
            m.resources(),
            or(m.additionalConfig(), Map.of()));
    List<UpstreamProviderSpec> providers = new ArrayList<>();
    if (a.upstreamProviders() != null) {
      for (UpstreamProviderSpec p : a.upstreamProviders()) {
        providers.add(provider(p));
      }
    }
    return new AuthSpec(or(a.mode(), AuthMode.MAS), mas, providers, a.passwordPepper());
  }

  private static UpstreamProviderSpec provider(UpstreamProviderSpec p) {
    ClaimsSpec c = p.claims();
    return new UpstreamProviderSpec(
        p.id(),
        or(p.name(), defaultProviderName(p.issuer())),
        p.issuer(),
        p.clientId(),
        p.clientSecret(),
        or(p.tokenEndpointAuthMethod(), TokenEndpointAuthMethod.CLIENT_SECRET_BASIC),
        or(p.scopes(), List.of("openid", "profile", "email")),
        or(p.fetchUserinfo(), Boolean.FALSE),
        new ClaimsSpec(
            claim(
                c == null ? null : c.localpart(),
                "{{ user.preferred_username }}",
                ClaimAction.REQUIRE),
            claim(c == null ? null : c.displayname(), "{{ user.name }}", ClaimAction.SUGGEST),
            claim(c == null ? null : c.email(), "{{ user.email }}", ClaimAction.SUGGEST)),
        p.synapseIdpId(),
        or(p.additionalConfig(), Map.of()));
  }

  private static ClaimSpec claim(ClaimSpec c, String template, ClaimAction action) {
    return new ClaimSpec(
        or(c == null ? null : c.template(), template), or(c == null ? null : c.action(), action));
  }

  private static String defaultProviderName(String issuer) {
    if (issuer == null) {
      return "Single sign-on";
    }
    try {
      String host = URI.create(issuer).getHost();
      return host == null ? "Single sign-on" : host;
    } catch (IllegalArgumentException e) {
      return "Single sign-on";
    }
  }

  private static DatabasesSpec databases(DatabasesSpec d) {
    if (d == null) {
      return new DatabasesSpec(null, null);
    }
    return new DatabasesSpec(database(d.synapse()), database(d.mas()));
  }

  private static DatabaseSpec database(DatabaseSpec d) {
    if (d == null) {
      return null;
    }
    if (d.url() != null) {
      // A url carries host, port, name, user and sslmode itself; validation rejects mixing.
      return new DatabaseSpec(
          d.url(),
          d.host(),
          d.port(),
          d.name(),
          d.user(),
          d.password(),
          d.sslMode(),
          d.sslRootCert(),
          d.schema(),
          or(d.maxConnections(), DEFAULT_DB_POOL));
    }
    return new DatabaseSpec(
        null,
        d.host(),
        or(d.port(), DEFAULT_DB_PORT),
        d.name(),
        d.user(),
        d.password(),
        or(d.sslMode(), SslMode.PREFER),
        d.sslRootCert(),
        d.schema(),
        or(d.maxConnections(), DEFAULT_DB_POOL));
  }

  private static IngressSpec ingress(IngressSpec i) {
    if (i == null) {
      return new IngressSpec(Boolean.TRUE, null, null, Map.of());
    }
    return new IngressSpec(
        or(i.enabled(), Boolean.TRUE),
        i.className(),
        i.tlsSecretName(),
        or(i.annotations(), Map.of()));
  }

  private static WellKnownSpec wellKnown(WellKnownSpec w, String publicBaseUrl) {
    boolean enabled = w == null || w.enabled() == null || w.enabled();
    String endpoint = w == null ? null : w.federationEndpoint();
    if (endpoint == null && publicBaseUrl != null) {
      try {
        URI uri = URI.create(publicBaseUrl);
        if (uri.getHost() != null) {
          int port = uri.getPort() > 0 ? uri.getPort() : "http".equals(uri.getScheme()) ? 80 : 443;
          endpoint = uri.getHost() + ":" + port;
        }
      } catch (IllegalArgumentException e) {
        endpoint = null; // validation reports the bad URL
      }
    }
    return new WellKnownSpec(enabled, endpoint);
  }

  static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
