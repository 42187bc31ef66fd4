package dev.sluice.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP gateway. Today it serves {@code GET /healthz}; REST, SSE/WebSocket tail and the
 * browser page arrive with the gateway issue, as gRPC calls to the broker that forward the
 * caller's token (the broker stays the only place where access is decided).
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(GatewayConfig.defaults())) { gateway.httpPort(); }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;

  private Gateway(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Starts the gateway and returns once it listens. */
  public static Gateway start(GatewayConfig config) {
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json").end("{\"status\":\"ok\"}"));
    try {
      HttpServer server = vertx.createHttpServer().requestHandler(router)
          .listen(config.httpPort(), config.httpHost())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new Gateway(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("gateway: cannot listen on " + config.httpHost() + ":"
          + config.httpPort() + ": " + e.getMessage(), e);
    }
  }

  public int httpPort() {
    return server.actualPort();
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("gateway: close failed: " + e.getMessage(), e);
    }
  }
}
