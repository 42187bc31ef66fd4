package dev.sluice.gateway;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /v1/tail} (Server-Sent Events) and {@code GET /v1/tail/ws} (WebSocket). */
final class TailApi {
  private final BrokerLink broker;
  private final long keepAliveMillis;

  TailApi(BrokerLink broker, long keepAliveMillis) {
    this.broker = broker;
    this.keepAliveMillis = keepAliveMillis;
  }

  void mount(Router router) {
    router.get("/v1/tail").handler(this::sse);
    router.get("/v1/tail/ws").handler(this::webSocket);
  }

  private void sse(RoutingContext ctx) {
    var request = TailStart.request(new Params(ctx.queryParams(), TailStart.PARAMS),
        ctx.request().getHeader("last-event-id"));
    String token = Credentials.token(ctx);
    new SseTail(ctx, Vertx.currentContext(), broker.tail(token), keepAliveMillis)
        .start(request);
  }

  private void webSocket(RoutingContext ctx) {
    String token = Credentials.token(ctx);
    Context context = Vertx.currentContext();
    ctx.request().toWebSocket().onFailure(ctx::fail)
        .onSuccess(socket -> new WsTail(socket, context, broker, token).start());
  }
}
