package dev.sluice.gateway;

import dev.sluice.proto.v1.AppPolicy;
import dev.sluice.proto.v1.AppRef;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.ListDrainsRequest;
import dev.sluice.proto.v1.UpdateDrainRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * App policy and drains over REST: the broker's {@code Apps} and {@code Drains} services, with
 * the same rules (admins change, members read; the broker decides). A drain's secret is
 * write-only: it is never in an answer.
 */
final class ManageApi {
  private static final Set<String> DRAIN_FIELDS = Set.of("name", "url", "secret", "filter",
      "min_level", "max_batch_lines", "flush_interval_ms");

  private final BrokerLink broker;

  ManageApi(BrokerLink broker) {
    this.broker = broker;
  }

  void mount(Router router) {
    router.get("/v1/apps/:app/policy").handler(this::getPolicy);
    router.put("/v1/apps/:app/policy").handler(this::setPolicy);
    router.get("/v1/drains").handler(this::listDrains);
    router.post("/v1/drains").handler(this::createDrain);
    router.get("/v1/drains/:name").handler(ctx -> drain(ctx, call(ctx).getDrain(ref(ctx))));
    router.patch("/v1/drains/:name").handler(this::updateDrain);
    router.delete("/v1/drains/:name").handler(ctx -> call(ctx).deleteDrain(ref(ctx))
        .onFailure(ctx::fail).onSuccess(v -> ctx.response().setStatusCode(204).end()));
    router.post("/v1/drains/:name/enable").handler(ctx ->
        drain(ctx, call(ctx).enableDrain(ref(ctx))));
    router.post("/v1/drains/:name/disable").handler(ctx ->
        drain(ctx, call(ctx).disableDrain(ref(ctx))));
    router.post("/v1/drains/:name/test").handler(ctx -> call(ctx).testDrain(ref(ctx))
        .onFailure(ctx::fail).onSuccess(r -> json(ctx, 200, new JsonObject()
            .put("http_status", r.getHttpStatus()).put("detail", r.getDetail())
            .put("latency_ms", r.getLatencyMs()))));
  }

  private void getPolicy(RoutingContext ctx) {
    AppRef ref = AppRef.newBuilder().setApp(Params.token("app", ctx.pathParam("app"))).build();
    Unary.call(Vertx.currentContext(), broker.apps(Credentials.token(ctx))::getAppPolicy, ref)
        .onFailure(ctx::fail).onSuccess(p -> json(ctx, 200, policy(p)));
  }

  private void setPolicy(RoutingContext ctx) {
    JsonObject body = body(ctx, Set.of("private_logs"));
    if (!(body.getValue("private_logs") instanceof Boolean privateLogs)) {
      throw Problem.badParam("private_logs", "missing or not true/false").exception();
    }
    AppPolicy policy = AppPolicy.newBuilder().setApp(Params.token("app", ctx.pathParam("app")))
        .setPrivateLogs(privateLogs).build();
    Unary.call(Vertx.currentContext(), broker.apps(Credentials.token(ctx))::setAppPolicy, policy)
        .onFailure(ctx::fail).onSuccess(p -> json(ctx, 200, policy(p)));
  }

  private void listDrains(RoutingContext ctx) {
    Unary.call(Vertx.currentContext(), broker.drains(Credentials.token(ctx))::listDrains,
        ListDrainsRequest.getDefaultInstance()).onFailure(ctx::fail).onSuccess(list -> {
          JsonArray drains = new JsonArray();
          list.getDrainsList().forEach(d -> drains.add(drain(d)));
          json(ctx, 200, new JsonObject().put("drains", drains));
        });
  }

  private void createDrain(RoutingContext ctx) {
    JsonObject body = body(ctx, DRAIN_FIELDS);
    CreateDrainRequest request = CreateDrainRequest.newBuilder().setSpec(spec(body)).build();
    Unary.call(Vertx.currentContext(), broker.drains(Credentials.token(ctx))::createDrain,
        request).onFailure(ctx::fail).onSuccess(d -> json(ctx, 201, drain(d)));
  }

  private void updateDrain(RoutingContext ctx) {
    JsonObject body = body(ctx, DRAIN_FIELDS);
    String name = Params.token("name", ctx.pathParam("name"));
    if (body.containsKey("name") && !name.equals(body.getValue("name"))) {
      throw Problem.badParam("name", "a drain cannot be renamed (expected: the name in the URL "
          + "or none)").exception();
    }
    body.remove("name");
    if (body.isEmpty()) {
      throw Problem.badParam("body", "no field to change (expected: some of url, secret, "
          + "filter, min_level, max_batch_lines, flush_interval_ms)").exception();
    }
    UpdateDrainRequest request = UpdateDrainRequest.newBuilder()
        .setSpec(spec(body.copy().put("name", name))).addAllUpdateMask(body.fieldNames()).build();
    drain(ctx, call(ctx).updateDrain(request));
  }

  /** The drains stub as futures on this request's event loop. */
  private DrainCalls call(RoutingContext ctx) {
    return new DrainCalls(broker, Credentials.token(ctx));
  }

  private record DrainCalls(BrokerLink broker, String token) {
    Future<Drain> getDrain(DrainRef ref) {
      return Unary.call(Vertx.currentContext(), broker.drains(token)::getDrain, ref);
    }

    Future<?> deleteDrain(DrainRef ref) {
      return Unary.call(Vertx.currentContext(), broker.drains(token)::deleteDrain, ref);
    }

    Future<Drain> enableDrain(DrainRef ref) {
      return Unary.call(Vertx.currentContext(), broker.drains(token)::enableDrain, ref);
    }

    Future<Drain> disableDrain(DrainRef ref) {
      return Unary.call(Vertx.currentContext(), broker.drains(token)::disableDrain, ref);
    }

    Future<Drain> updateDrain(UpdateDrainRequest request) {
      return Unary.call(Vertx.currentContext(), broker.drains(token)::updateDrain, request);
    }

    Future<dev.sluice.proto.v1.TestDrainResponse> testDrain(DrainRef ref) {
      return Unary.call(Vertx.currentContext(), broker.drains(token)::testDrain, ref);
    }
  }

  private static DrainRef ref(RoutingContext ctx) {
    return DrainRef.newBuilder().setName(Params.token("name", ctx.pathParam("name"))).build();
  }

  private static void drain(RoutingContext ctx, Future<Drain> answer) {
    answer.onFailure(ctx::fail).onSuccess(d -> json(ctx, 200, drain(d)));
  }

  /** The JSON body, refusing fields the endpoint does not know. */
  private static JsonObject body(RoutingContext ctx, Set<String> known) {
    String text = ctx.body().asString();
    JsonObject body;
    try {
      body = new JsonObject(text == null || text.isBlank() ? "{}" : text);
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badParam("body", "not a JSON object").exception();
    }
    for (String field : body.fieldNames()) {
      if (!known.contains(field)) {
        throw Problem.badParam(field, "unknown field (expected: one of "
            + String.join(", ", known.stream().sorted().toList()) + ")").exception();
      }
    }
    return body;
  }

  private static DrainSpec spec(JsonObject body) {
    DrainSpec.Builder spec = DrainSpec.newBuilder();
    for (Map.Entry<String, Object> field : body) {
      Object value = field.getValue();
      switch (field.getKey()) {
        case "name" -> spec.setName(text(field.getKey(), value));
        case "url" -> spec.setUrl(text(field.getKey(), value));
        case "secret" -> spec.setSecret(text(field.getKey(), value));
        case "filter" -> spec.setFilter(text(field.getKey(), value));
        case "min_level" -> spec.setMinLevel(level(value));
        case "max_batch_lines" -> spec.setMaxBatchLines(number(field.getKey(), value));
        case "flush_interval_ms" -> spec.setFlushIntervalMs(number(field.getKey(), value));
        default -> throw new IllegalStateException(field.getKey()); // checked by body()
      }
    }
    return spec.build();
  }

  private static String text(String field, Object value) {
    if (!(value instanceof String s)) {
      throw Problem.badParam(field, "not a string").exception();
    }
    return s;
  }

  private static int number(String field, Object value) {
    if (!(value instanceof Integer n) || n < 0) {
      throw Problem.badParam(field, "not a whole number >= 0").exception();
    }
    return n;
  }

  private static Level level(Object value) {
    var query = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add("level", text("min_level", value));
    try {
      return new Params(query, Set.of("level")).level();
    } catch (Problem.ProblemException e) {
      throw Problem.badParam("min_level", e.problem().detail().substring("level: ".length()))
          .exception();
    }
  }

  static JsonObject policy(AppPolicy policy) {
    return new JsonObject().put("app", policy.getApp()).put("private_logs", policy.getPrivateLogs());
  }

  static JsonObject drain(Drain drain) {
    DrainSpec spec = drain.getSpec();
    DrainStatus s = drain.getStatus();
    return new JsonObject().put("name", spec.getName()).put("url", spec.getUrl())
        .put("filter", spec.getFilter().isEmpty() ? ">" : spec.getFilter())
        .put("min_level", spec.getMinLevel() == Level.LEVEL_UNSPECIFIED ? null
            : RecordJson.level(spec.getMinLevel()))
        .put("max_batch_lines", spec.getMaxBatchLines())
        .put("flush_interval_ms", spec.getFlushIntervalMs())
        .put("status", new JsonObject().put("enabled", s.getEnabled())
            .put("consecutive_failures", s.getConsecutiveFailures())
            .put("total_failures", s.getTotalFailures())
            .put("last_error", s.getLastError().isEmpty() ? null : s.getLastError())
            .put("last_success", s.getLastSuccessUnixNano() == 0 ? null
                : RecordJson.timestamp(s.getLastSuccessUnixNano()))
            .put("delivered_lines", s.getDeliveredLines())
            .put("delivered_batches", s.getDeliveredBatches())
            .put("lag_lines", s.getLagLines()).put("lag_seconds", s.getLagSeconds())
            .put("lost_records", s.getLostRecords())
            .put("last_gap", s.getLastGap().isEmpty() ? null : s.getLastGap()));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
