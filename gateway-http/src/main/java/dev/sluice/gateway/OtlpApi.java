package dev.sluice.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * {@code POST /v1/otlp/logs}: OTLP/HTTP logs, binary protobuf ({@code application/x-protobuf})
 * or JSON ({@code application/json}), forwarded with the caller's token to the broker's OTLP
 * LogsService, which maps and stores them exactly as over gRPC. The answer comes in the
 * request's encoding; so do errors, as OTLP's {@code google.rpc.Status}, with the HTTP status
 * {@link Problem#of} maps (429 and 503 carry {@code Retry-After}, which OTLP clients honour).
 */
final class OtlpApi {
  static final String PATH = "/v1/otlp/logs";
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";
  /**
   * Largest export accepted (after gzip): the broker's default message limit, so a body the
   * gateway takes is one the broker takes. An SDK's batch of 512 records is far below it.
   */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
  private static final HexFormat HEX = HexFormat.of();

  private final BrokerLink broker;

  OtlpApi(BrokerLink broker) {
    this.broker = broker;
  }

  void mount(Router router) {
    router.post(PATH).handler(this::export);
    // A body over the limit (413) is answered as OTLP too: exporters read a Status.
    router.post(PATH).failureHandler(ctx -> {
      int code = ctx.statusCode();
      boolean json = JSON.equals(mediaType(ctx.request().getHeader("content-type")));
      if (code == 413) {
        fail(ctx, json, new Problem(413, "Body too large", "the export is larger than "
            + MAX_BODY_BYTES + " bytes: send smaller batches", null, 0),
            Status.Code.RESOURCE_EXHAUSTED);
      } else if (ctx.failure() != null) {
        fail(ctx, json, Problem.of(ctx.failure()), Status.fromThrowable(ctx.failure()).getCode());
      } else {
        ctx.next();
      }
    });
  }

  private void export(RoutingContext ctx) {
    String type = mediaType(ctx.request().getHeader("content-type"));
    boolean json = JSON.equals(type);
    if (!json && !PROTOBUF.equals(type) && !"application/protobuf".equals(type)) {
      fail(ctx, false, new Problem(415, "Unsupported media type", "content-type: '" + type
          + "' (expected: " + PROTOBUF + " or " + JSON + ")", null, 0),
          Status.Code.INVALID_ARGUMENT);
      return;
    }
    ExportLogsServiceRequest request;
    try {
      request = json ? fromJson(ctx.body().buffer()) : ExportLogsServiceRequest.parseFrom(
          ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (InvalidProtocolBufferException | DecodeException | IllegalArgumentException e) {
      fail(ctx, json, Problem.badParam("body", "not an OTLP ExportLogsServiceRequest in "
          + type + ": " + e.getMessage()), Status.Code.INVALID_ARGUMENT);
      return;
    }
    String token;
    try {
      token = Credentials.token(ctx);
    } catch (Problem.ProblemException e) {
      fail(ctx, json, e.problem(), Status.Code.UNAUTHENTICATED);
      return;
    }
    Unary.call(Vertx.currentContext(), broker.otlp(token)::export, request)
        .onSuccess(answer -> ok(ctx, json, answer))
        .onFailure(failure -> fail(ctx, json, Problem.of(failure),
            Status.fromThrowable(failure).getCode()));
  }

  /**
   * OTLP/JSON is protobuf's JSON mapping but for trace and span ids, which are hex rather
   * than base64: they are turned into base64 before protobuf reads the rest.
   */
  static ExportLogsServiceRequest fromJson(Buffer body) throws InvalidProtocolBufferException {
    JsonObject root = body == null || body.length() == 0 ? new JsonObject() : new JsonObject(body);
    for (Object resource : array(root, "resourceLogs")) {
      for (Object scope : array((JsonObject) resource, "scopeLogs")) {
        for (Object record : array((JsonObject) scope, "logRecords")) {
          hexToBase64((JsonObject) record, "traceId", 16);
          hexToBase64((JsonObject) record, "spanId", 8);
        }
      }
    }
    ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
    JsonFormat.parser().ignoringUnknownFields().merge(root.encode(), request);
    return request.build();
  }

  private static JsonArray array(JsonObject object, String key) {
    Object value = object.getValue(key);
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray array)
        || !array.stream().allMatch(JsonObject.class::isInstance)) {
      throw new IllegalArgumentException(key + ": expected an array of objects");
    }
    return array;
  }

  private static void hexToBase64(JsonObject record, String key, int bytes) {
    String hex = record.getValue(key) instanceof String s ? s : null;
    if (hex == null || hex.isEmpty()) {
      return;
    }
    if (hex.length() != 2 * bytes) {
      throw new IllegalArgumentException(key + ": '" + hex + "' (expected: " + 2 * bytes
          + " hex characters)");
    }
    record.put(key, Base64.getEncoder().encodeToString(HEX.parseHex(hex)));
  }

  private static void ok(RoutingContext ctx, boolean json, ExportLogsServiceResponse answer) {
    try {
      ctx.response().putHeader("content-type", json ? JSON : PROTOBUF)
          .end(json ? Buffer.buffer(JsonFormat.printer().print(answer))
              : Buffer.buffer(answer.toByteArray()));
    } catch (InvalidProtocolBufferException e) {
      ctx.fail(e); // a response protobuf wrote always prints
    }
  }

  private static void fail(RoutingContext ctx, boolean json, Problem problem, Status.Code code) {
    if (ctx.response().headWritten() || ctx.response().closed()) {
      return;
    }
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(code.value())
        .setMessage(problem.detail()).build();
    ctx.response().setStatusCode(problem.status())
        .putHeader("content-type", json ? JSON : PROTOBUF);
    if (problem.retryAfterSeconds() > 0) {
      ctx.response().putHeader("retry-after", Integer.toString(problem.retryAfterSeconds()));
    }
    try {
      ctx.response().end(json ? Buffer.buffer(JsonFormat.printer().print(status))
          : Buffer.buffer(status.toByteArray()));
    } catch (InvalidProtocolBufferException e) {
      ctx.fail(e);
    }
  }

  private static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semicolon = header.indexOf(';');
    return (semicolon < 0 ? header : header.substring(0, semicolon)).trim()
        .toLowerCase(Locale.ROOT);
  }
}
