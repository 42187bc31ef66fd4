package dev.sluice.gateway;

import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;

/**
 * Whose token a request carries: {@code Authorization: Bearer}, else the session cookie a
 * browser got from {@code POST /v1/session} ({@code EventSource} cannot set headers), which
 * holds the token sealed with the gateway's key. Never a
 * query parameter: URLs end up in access logs and browser history. The gateway only carries the
 * token; the broker verifies it and decides what it may read.
 */
final class Credentials {
  static final String COOKIE = "sluice_session";
  /** Where the router puts the gateway's {@link SessionSeal} for this request. */
  static final String SEAL = "sluice.session-seal";

  private Credentials() {}

  /** The request's token; null when it has none (the broker then decides: 401 when secured). */
  static String token(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    if (header != null) {
      String token = header.regionMatches(true, 0, "Bearer ", 0, 7)
          ? header.substring(7).trim() : "";
      if (token.isEmpty()) {
        throw Problem.unauthenticated("authorization: expected 'Bearer <token>'").exception();
      }
      return token;
    }
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (cookie == null || cookie.getValue().isEmpty()) {
      return null;
    }
    // A cookie this gateway cannot open counts as none: the broker then says 401.
    SessionSeal seal = ctx.get(SEAL);
    return seal == null ? null : seal.open(cookie.getValue());
  }
}
