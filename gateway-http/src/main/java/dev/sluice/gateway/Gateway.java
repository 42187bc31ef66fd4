package dev.sluice.gateway;

import dev.sluice.proto.v1.WhoAmIRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP gateway: REST, SSE and WebSocket tails, request status with logs, management, and
 * the browser page. It is a gRPC client of the broker and forwards each caller's token, so the
 * broker stays the only place where access is decided.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(GatewayConfig.defaults())) { gateway.httpPort(); }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final BrokerLink broker;

  private Gateway(Vertx vertx, HttpServer server, BrokerLink broker) {
    this.vertx = vertx;
    this.server = server;
    this.broker = broker;
  }

  /** Starts the gateway and returns once it listens. */
  public static Gateway start(GatewayConfig config) {
    Vertx vertx = Vertx.vertx();
    BrokerLink broker = new BrokerLink(config.brokerTarget(), config.brokerConnections());
    Router router = routes(vertx, config, broker);
    try {
      // Decompression: OTLP exporters may gzip their bodies (OtlpApi); the body limit applies
      // to what they inflate to.
      HttpServerOptions options = new HttpServerOptions().setMaxWebSocketMessageSize(64 * 1024)
          .setDecompressionSupported(true);
      if (config.tlsCert() != null) {
        options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
            .setCertPath(config.tlsCert().toString()).setKeyPath(config.tlsKey().toString()));
      }
      HttpServer server = vertx.createHttpServer(options)
          .requestHandler(router)
          .listen(config.httpPort(), config.httpHost())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new Gateway(vertx, server, broker);
    } catch (Exception e) {
      broker.close();
      vertx.close();
      throw new IllegalStateException("gateway: cannot listen on " + config.httpHost() + ":"
          + config.httpPort() + ": " + e.getMessage(), e);
    }
  }

  private static Router routes(Vertx vertx, GatewayConfig config, BrokerLink broker) {
    Router router = Router.router(vertx);
    SessionSeal seal = config.sessionKey() == null ? SessionSeal.random()
        : SessionSeal.fromFile(config.sessionKey());
    router.route().handler(new OriginCheck(config.allowedOrigins()));
    router.route().handler(ctx -> {
      ctx.put(Credentials.SEAL, seal);
      ctx.next();
    });
    router.get("/healthz").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").end(new JsonObject().put("status", "ok").encode()));
    router.get("/readyz").handler(ctx -> ready(ctx, broker));
    // Only where bodies come: a WebSocket handshake must reach its handler unread.
    // OTLP exports are batches of hundreds of records: their own limit, the broker's message
    // limit (OtlpApi.MAX_BODY_BYTES).
    // (A body handler that finds the body read already passes the request on.)
    router.post(OtlpApi.PATH).handler(BodyHandler.create(false)
        .setBodyLimit(OtlpApi.MAX_BODY_BYTES));
    router.route("/v1/*").method(HttpMethod.POST).method(HttpMethod.PUT)
        .method(HttpMethod.PATCH).handler(BodyHandler.create(false)
            .setBodyLimit(config.maxBodyBytes()));
    long keepAlive = config.keepAlive().toMillis();
    new SessionApi(broker, seal).mount(router);
    new LogsApi(broker).mount(router);
    new TailApi(broker, keepAlive).mount(router);
    new RequestsApi(broker, keepAlive).mount(router);
    new ManageApi(broker).mount(router);
    new OtlpApi(broker).mount(router);
    router.route("/v1/*").handler(ctx -> Problem.notFound("no endpoint "
        + ctx.request().method() + " " + ctx.request().path()).send(ctx));
    router.route("/*").handler(ctx -> {
      // The page loads nothing from elsewhere and runs no inline script: say so, so an
      // injected script or frame has nowhere to come from.
      ctx.response().putHeader("content-security-policy", "default-src 'self'; "
          + "img-src 'self' data:; " // the page's empty icon is a data: URL
          + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
          .putHeader("x-content-type-options", "nosniff");
      ctx.next();
    });
    // The page is UTF-8. Vert.x would name the JVM's default charset in content-type, and on
    // Java 17 without LANG (many containers) that is ASCII: the browser, which believes the
    // header over the page's <meta>, would show every '·' and accent garbled.
    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false)
        .setDefaultContentEncoding("UTF-8"));
    router.route().failureHandler(ctx -> {
      Throwable failure = ctx.failure();
      if (failure == null) {
        int code = ctx.statusCode();
        new Problem(code, code == 413 ? "Body too large" : "HTTP " + code, code == 413
            ? "the request body is larger than " + config.maxBodyBytes() + " bytes" : "HTTP "
            + code, null, 0).send(ctx);
      } else {
        Problem.of(failure).send(ctx);
      }
    });
    router.errorHandler(404, ctx -> Problem.notFound("nothing at " + ctx.request().path())
        .send(ctx));
    router.errorHandler(405, ctx -> new Problem(405, "Method not allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path(), null, 0)
        .send(ctx));
    return router;
  }

  /** Ready when the broker answers: any answer but UNAVAILABLE (no token: UNAUTHENTICATED). */
  private static void ready(io.vertx.ext.web.RoutingContext ctx, BrokerLink broker) {
    Unary.call(Vertx.currentContext(), broker.access(null)::whoAmI,
        WhoAmIRequest.getDefaultInstance()).onComplete(ar -> {
          Status.Code code = ar.succeeded() ? Status.Code.OK
              : ar.cause() instanceof StatusRuntimeException e ? e.getStatus().getCode()
              : Status.Code.UNKNOWN;
          if (code == Status.Code.UNAVAILABLE || code == Status.Code.UNKNOWN) {
            Problem.of(ar.cause()).send(ctx);
          } else {
            ctx.response().putHeader("content-type", "application/json")
                .end(new JsonObject().put("status", "ready").encode());
          }
        });
  }

  public int httpPort() {
    return server.actualPort();
  }

  @Override
  public void close() {
    // The broker calls first: their last callbacks still find the event loops running.
    broker.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("gateway: close failed: " + e.getMessage(), e);
    }
  }
}
