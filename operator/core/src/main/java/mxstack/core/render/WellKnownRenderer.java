package mxstack.core.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;

/** Renders the Matrix discovery documents served under /.well-known/matrix/. */
public final class WellKnownRenderer {

  /** Client discovery document, relative to the config directory. */
  public static final String CLIENT = "router/well-known/matrix/client";

  /** Server (federation) discovery document, relative to the config directory. */
  public static final String SERVER = "router/well-known/matrix/server";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private WellKnownRenderer() {}

  /** {@code {"m.homeserver": {"base_url": ...}}}: all Element X needs to find the server. */
  public static String client(RenderContext ctx) {
    Map<String, Object> homeserver = new LinkedHashMap<>();
    String url = ctx.synapsePublicUrl();
    homeserver.put("base_url", url.substring(0, url.length() - 1));
    return json(Map.of("m.homeserver", homeserver));
  }

  /** {@code {"m.server": "host:port"}} with an explicit port. */
  public static String server(RenderContext ctx) {
    return json(Map.of("m.server", ctx.spec().wellKnown().federationEndpoint()));
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
