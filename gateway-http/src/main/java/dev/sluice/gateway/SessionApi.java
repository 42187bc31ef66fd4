package dev.sluice.gateway;

import dev.sluice.proto.v1.Identity;
import dev.sluice.proto.v1.WhoAmIRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * Browser sessions. {@code POST /v1/session} takes a token (JSON {@code {"token":"..."}} or
 * the Authorization header), has the broker verify it, and answers with who it names and an
 * {@code HttpOnly; SameSite=Strict} cookie ({@code Secure} over TLS) that expires with the
 * token. The cookie holds the token sealed with the gateway's key ({@link SessionSeal}): the
 * broker keeps deciding every read, gateways sharing the key share sessions, and page scripts
 * cannot read it. {@code DELETE} ends it.
 */
final class SessionApi {
  private final BrokerLink broker;
  private final SessionSeal seal;

  SessionApi(BrokerLink broker, SessionSeal seal) {
    this.broker = broker;
    this.seal = seal;
  }

  void mount(Router router) {
    router.post("/v1/session").handler(this::create);
    router.get("/v1/session").handler(this::show);
    router.delete("/v1/session").handler(this::end);
  }

  private void create(RoutingContext ctx) {
    String token = bodyToken(ctx);
    if (token == null) {
      token = ctx.request().getHeader("authorization") != null ? Credentials.token(ctx) : null;
    }
    String verified = token;
    // Without a token the broker decides: a secured one says 401, one running without
    // tokens (`sluice up --insecure`) names its open principal, and no cookie is needed.
    whoAmI(verified).onFailure(ctx::fail).onSuccess(identity -> {
      if (verified == null) {
        ctx.response().putHeader("content-type", "application/json")
            .putHeader("cache-control", "no-store").end(json(identity).encode());
        return;
      }
      Cookie cookie = Cookie.cookie(Credentials.COOKIE, seal.seal(verified)).setPath("/")
          .setHttpOnly(true).setSameSite(CookieSameSite.STRICT).setSecure(secure(ctx));
      if (identity.getExpiresUnixSeconds() > 0) {
        cookie.setMaxAge(Math.max(0,
            identity.getExpiresUnixSeconds() - Instant.now().getEpochSecond()));
      }
      ctx.response().addCookie(cookie).putHeader("content-type", "application/json")
          .putHeader("cache-control", "no-store").end(json(identity).encode());
    });
  }

  private void show(RoutingContext ctx) {
    whoAmI(Credentials.token(ctx)).onFailure(ctx::fail).onSuccess(identity -> ctx.response()
        .putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
        .end(json(identity).encode()));
  }

  private void end(RoutingContext ctx) {
    ctx.response().addCookie(Cookie.cookie(Credentials.COOKIE, "").setPath("/").setMaxAge(0)
        .setHttpOnly(true).setSameSite(CookieSameSite.STRICT).setSecure(secure(ctx)))
        .setStatusCode(204).end();
  }

  /**
   * Secure when the request came over TLS, or from a page served over HTTPS (a gateway behind
   * a proxy that ends TLS sees plain HTTP, but the browser's Origin tells).
   */
  private static boolean secure(RoutingContext ctx) {
    String origin = ctx.request().getHeader("origin");
    return ctx.request().isSSL() || origin != null && origin.startsWith("https://");
  }

  private io.vertx.core.Future<Identity> whoAmI(String token) {
    return Unary.call(Vertx.currentContext(), broker.access(token)::whoAmI,
        WhoAmIRequest.getDefaultInstance());
  }

  /** The body's {@code token}, or null when the body is empty. */
  private static String bodyToken(RoutingContext ctx) {
    String body = ctx.body().asString();
    if (body == null || body.isBlank()) {
      return null;
    }
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badParam("token", "the body is not a JSON object (expected: "
          + "{\"token\":\"...\"})").exception();
    }
    Object token = json.getValue("token");
    if (!(token instanceof String s) || s.isBlank()) {
      throw Problem.badParam("token", "missing or not a string (expected: {\"token\":\"...\"})")
          .exception();
    }
    return s.trim();
  }

  static JsonObject json(Identity identity) {
    return new JsonObject().put("subject", identity.getSubject())
        .put("account", identity.getAccount()).put("role", identity.getRole())
        .put("app", identity.getApp())
        .put("expires", identity.getExpiresUnixSeconds() == 0 ? null
            : Instant.ofEpochSecond(identity.getExpiresUnixSeconds()).toString());
  }
}
