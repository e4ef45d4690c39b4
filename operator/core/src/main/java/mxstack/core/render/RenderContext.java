package mxstack.core.render;

import java.net.URI;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.MatrixDeploymentSpec;

/**
 * What every renderer reads: the validated, defaulted spec, the target and where secrets live.
 *
 * @param spec the spec, defaults applied and validated
 * @param target the target layout
 * @param secrets where secret files are
 */
public record RenderContext(MatrixDeploymentSpec spec, Target target, SecretPaths secrets) {

  /** True when logins are delegated to MAS. */
  public boolean masMode() {
    return spec.auth().mode() == AuthMode.MAS;
  }

  /** Synapse's public URL with exactly one trailing slash. */
  public String synapsePublicUrl() {
    return withSlash(spec.homeserver().publicBaseUrl());
  }

  /** MAS's public URL with exactly one trailing slash. */
  public String masPublicUrl() {
    return withSlash(spec.auth().mas().publicBaseUrl());
  }

  /** The internal URL MAS and the router use to reach Synapse. */
  public String synapseInternalUrl() {
    return "http://" + target.synapseHost() + ":" + target.ports().synapse() + "/";
  }

  /** The internal URL Synapse uses to reach MAS (discovery and introspection). */
  public String masInternalUrl() {
    return "http://" + target.masHost() + ":" + target.ports().masWeb() + "/";
  }

  /** Host part of a URL. */
  public static String hostOf(String url) {
    return URI.create(url).getHost();
  }

  /** Absolute path of a rendered config file. */
  public String config(String relative) {
    return target.configPath(relative);
  }

  static String withSlash(String url) {
    if (url == null) {
      return null;
    }
    String trimmed = url;
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed + "/";
  }
}
