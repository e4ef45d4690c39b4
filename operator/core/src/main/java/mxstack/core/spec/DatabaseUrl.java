package mxstack.core.spec;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL connection with its parts resolved, whether the spec gave a url or separate fields.
 *
 * @param host server host
 * @param port server port
 * @param name database name
 * @param user role
 * @param sslMode libpq sslmode
 * @param error why the url could not be used, or null
 */
public record DatabaseUrl(
    String host, Integer port, String name, String user, SslMode sslMode, String error) {

  /** The resolved connection of a (defaulted) database spec. */
  public static DatabaseUrl of(DatabaseSpec spec) {
    if (spec.url() != null) {
      return parse(spec.url());
    }
    return new DatabaseUrl(
        spec.host(), spec.port(), spec.name(), spec.user(), spec.sslMode(), null);
  }

  /** Parses {@code postgresql://user@host:port/name?sslmode=mode}; never throws. */
  public static DatabaseUrl parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return failed("is not a valid URL: " + e.getReason());
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      return failed("must start with postgresql://");
    }
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && userInfo.contains(":")) {
      return failed("must not contain a password; use the password field (a secret reference)");
    }
    if (uri.getHost() == null) {
      return failed("must name a host: postgresql://user@host:5432/database");
    }
    String path = uri.getRawPath();
    if (path == null || path.length() < 2 || path.indexOf('/', 1) >= 0) {
      return failed("must name the database: postgresql://user@host:5432/database");
    }
    if (userInfo == null || userInfo.isEmpty()) {
      return failed("must name the user: postgresql://user@host:5432/database");
    }
    SslMode mode = SslMode.PREFER;
    String query = uri.getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (key.equals("sslmode")) {
          mode = sslMode(value);
          if (mode == null) {
            return failed(
                "has sslmode '"
                    + value
                    + "'; use disable, allow, prefer, require, verify-ca or verify-full");
          }
        } else {
          return failed("has the parameter '" + key + "'; only sslmode is supported");
        }
      }
    }
    return new DatabaseUrl(
        uri.getHost(),
        uri.getPort() > 0 ? uri.getPort() : 5432,
        decode(path.substring(1)),
        decode(userInfo),
        mode,
        null);
  }

  private static SslMode sslMode(String wire) {
    for (SslMode mode : SslMode.values()) {
      if (mode.wireName().equals(wire)) {
        return mode;
      }
    }
    return null;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text; // a stray '%': keep it literally rather than fail
    }
  }

  private static DatabaseUrl failed(String error) {
    return new DatabaseUrl(null, null, null, null, null, error);
  }
}
