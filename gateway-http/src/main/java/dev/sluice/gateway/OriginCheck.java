package dev.sluice.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses requests from pages of other origins unless the operator listed the origin. A
 * browser sends {@code Origin} on cross-origin requests, WebSocket handshakes and every POST;
 * without this, any site a signed-in user visits could read logs with the session cookie
 * (SameSite=Strict already keeps other sites' requests cookieless; this also covers sibling
 * origins of the same site and bearer tokens a page holds). Listed origins get CORS headers
 * and preflight answers.
 */
final class OriginCheck implements Handler<RoutingContext> {
  private static final String METHODS = "GET, POST, PUT, PATCH, DELETE";
  private static final String HEADERS = "authorization, content-type, accept, last-event-id";

  private final Set<String> allowed;

  OriginCheck(List<String> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader("origin");
    if (origin == null || origin.equalsIgnoreCase(self(ctx))) {
      ctx.next();
      return;
    }
    if (!allowed.contains(origin.toLowerCase(Locale.ROOT))) {
      new Problem(403, "Forbidden", "origin '" + clip(origin) + "' may not call this gateway "
          + "(the operator lists allowed origins: --allow-origin)", null, 0).send(ctx);
      return;
    }
    ctx.response().putHeader("access-control-allow-origin", origin)
        .putHeader("access-control-allow-credentials", "true").putHeader("vary", "origin");
    if (ctx.request().method() == HttpMethod.OPTIONS
        && ctx.request().getHeader("access-control-request-method") != null) {
      ctx.response().putHeader("access-control-allow-methods", METHODS)
          .putHeader("access-control-allow-headers", HEADERS)
          .putHeader("access-control-max-age", "600").setStatusCode(204).end();
      return;
    }
    ctx.next();
  }

  private static String self(RoutingContext ctx) {
    String host = ctx.request().getHeader("host");
    return (ctx.request().isSSL() ? "https://" : "http://") + (host == null ? "" : host);
  }

  private static String clip(String value) {
    return value.length() > 100 ? value.substring(0, 100) + "..." : value;
  }
}
