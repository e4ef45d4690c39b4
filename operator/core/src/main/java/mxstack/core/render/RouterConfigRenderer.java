package mxstack.core.render;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import mxstack.core.plan.TargetKind;

/**
 * Renders the router: an nginx config that sends each request to Synapse or MAS by path (and by
 * host when MAS has its own), and serves the well-known documents. The same file runs in the
 * Cloudron container and in the Kubernetes router pod.
 */
public final class RouterConfigRenderer {

  /** Path of nginx.conf, relative to the config directory. */
  public static final String NGINX_CONF = "router/nginx.conf";

  /** Login, logout and refresh of the client-server API: MAS answers these (compat). */
  public static final String COMPAT_REGEX = "^/_matrix/client/(.*)/(login|logout|refresh)";

  /**
   * On Cloudron, the router's own liveness page, answered by nginx itself and only to loopback (the
   * supervisor): a TCP check passes even when nginx is stopped, as the kernel still accepts.
   */
  public static final String LIVE_PATH = "/_mxstack/live";

  private RouterConfigRenderer() {}

  /** Renders nginx.conf. */
  public static String render(RenderContext ctx) {
    var target = ctx.target();
    NginxBlock root = NginxBlock.root();
    root.comment("Router for " + ctx.spec().serverName() + ", generated from the spec.");
    root.directive("daemon", "off");
    root.directive("worker_processes", target.kind() == TargetKind.CLOUDRON ? 1 : "auto");
    root.directive("pid", target.runDir() + "/nginx/nginx.pid");
    root.directive("error_log", "stderr", "warn");
    root.block("events").directive("worker_connections", 1024);

    NginxBlock http = root.block("http");
    String temp = target.runDir() + "/nginx";
    http.directive("client_body_temp_path", temp + "/client_body");
    http.directive("proxy_temp_path", temp + "/proxy");
    http.directive("fastcgi_temp_path", temp + "/fastcgi");
    http.directive("uwsgi_temp_path", temp + "/uwsgi");
    http.directive("scgi_temp_path", temp + "/scgi");
    http.directive("access_log", "off");
    http.directive("server_tokens", "off");
    http.directive("default_type", "application/octet-stream");
    http.directive(
        "client_max_body_size",
        ctx.spec().homeserver().media().maxUploadSize().toLowerCase(Locale.ROOT));
    http.directive("proxy_http_version", "1.1");
    // A hung upstream gets a 504 within a minute, not after ten (nginx's and Synapse's documented
    // 60 s; a /sync long poll waits 30 s); connecting to one that is down fails fast.
    http.directive("proxy_connect_timeout", "5s");
    http.directive("proxy_send_timeout", "60s");
    http.directive("proxy_read_timeout", "60s");
    http.directive("proxy_buffering", "off");
    // The outer proxy (Cloudron, the ingress) terminated TLS; pass its scheme on, or ours.
    http.block("map", "$http_x_forwarded_proto", "$forwarded_proto")
        .directive("default", "$http_x_forwarded_proto")
        .directive("\"\"", "$scheme");
    http.block("upstream", "synapse")
        .directive("server", target.synapseHost() + ":" + target.ports().synapse())
        .directive("keepalive", 16);
    if (ctx.masMode()) {
      http.block("upstream", "mas")
          .directive("server", target.masHost() + ":" + target.ports().masWeb())
          .directive("keepalive", 16);
    }

    String synapseHost = RenderContext.hostOf(ctx.synapsePublicUrl());
    String masHost = ctx.masMode() ? RenderContext.hostOf(ctx.masPublicUrl()) : null;
    boolean shared = masHost != null && masHost.equalsIgnoreCase(synapseHost);

    Set<String> homeserverNames = new LinkedHashSet<>(List.of(synapseHost));
    homeserverNames.add(ctx.spec().serverName().replaceAll(":\\d+$", ""));
    if (masHost != null && !shared) {
      homeserverNames.remove(masHost);
    }
    NginxBlock main = server(http, ctx, new ArrayList<>(homeserverNames), true);
    if (target.kind() == TargetKind.CLOUDRON) {
      main.block("location", "=", LIVE_PATH)
          .directive("allow", "127.0.0.1")
          .directive("allow", "::1")
          .directive("deny", "all")
          .directive("default_type", "text/plain")
          .directive("return", 200, "ok");
    }
    homeserverRoutes(main, ctx, shared);
    if (masHost != null && !shared) {
      NginxBlock auth = server(http, ctx, List.of(masHost), false);
      proxy(auth.block("location", "/"), "mas");
    }
    return root.render();
  }

  private static NginxBlock server(
      NginxBlock http, RenderContext ctx, List<String> names, boolean defaultServer) {
    NginxBlock server = http.block("server");
    // The router is the entry point: Cloudron's proxy (or the Service) connects to the
    // container's own address, so it listens on every interface; Synapse and MAS stay on theirs.
    String listen = "0.0.0.0:" + ctx.target().ports().router();
    if (defaultServer) {
      server.directive("listen", listen, "default_server");
    } else {
      server.directive("listen", listen);
    }
    List<Object> serverNames = new ArrayList<>(names);
    server.directive("server_name", serverNames.toArray());
    if (ctx.spec().wellKnown().enabled()) {
      wellKnown(server, ctx);
    }
    return server;
  }

  private static void homeserverRoutes(NginxBlock server, RenderContext ctx, boolean masAtRoot) {
    if (ctx.masMode()) {
      server.comment("Login, logout and refresh are answered by MAS (compatibility layer).");
      proxy(server.block("location", "~", COMPAT_REGEX), "mas");
    }
    proxy(server.block("location", "/_matrix"), "synapse");
    proxy(server.block("location", "/_synapse"), "synapse");
    proxy(server.block("location", "=", "/health"), "synapse");
    if (masAtRoot) {
      server.comment("MAS shares this host: its pages and OAuth endpoints are everything else.");
    }
    NginxBlock rest = server.block("location", "/");
    if (masAtRoot) {
      proxy(rest, "mas");
    } else {
      proxy(rest, "synapse");
    }
  }

  private static void wellKnown(NginxBlock server, RenderContext ctx) {
    String dir = ctx.target().configDir() + "/router/well-known/matrix/";
    for (String doc : List.of("client", "server")) {
      server
          .block("location", "=", "/.well-known/matrix/" + doc)
          .directive("alias", dir + doc)
          .directive("default_type", "application/json")
          .directive("add_header", "Access-Control-Allow-Origin", "*")
          .directive("add_header", "Cache-Control", "public, max-age=3600");
    }
  }

  private static void proxy(NginxBlock location, String upstream) {
    location.directive("proxy_pass", "http://" + upstream);
    location.directive("proxy_set_header", "Host", "$host");
    location.directive("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for");
    location.directive("proxy_set_header", "X-Forwarded-Proto", "$forwarded_proto");
    location.directive("proxy_set_header", "Connection", "");
  }
}
