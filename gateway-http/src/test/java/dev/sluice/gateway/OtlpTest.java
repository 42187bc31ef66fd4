package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Predicates;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.token.Role;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OTLP logs from the real OpenTelemetry Java SDK's own exporters: over gRPC straight to the
 * broker's port, and over HTTP (protobuf, gzip) to the gateway's {@code /v1/otlp/logs}; plus
 * OTLP/JSON as a Python or browser exporter sends it. Every record is found again by
 * {@code Logs.Query} on its trace id, beside the line the Sluice runner SDK logged in the same
 * span.
 */
class OtlpTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request_id");

  @Test
  void theSdksExportersOverGrpcAndHttpLandBesideTheRunnerSdksLinesOfTheSameTrace()
      throws Exception {
    String runnerToken = gw.token("runner-otel", "acme", Role.RUNNER, "demo");
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put("service.name", "demo").put("service.instance.id", "otel-1")
        .put("service.version", "v7").put("host.name", "gpu-node.local").build()));
    LogRecordExporter grpc = OtlpGrpcLogRecordExporter.builder()
        .setEndpoint("http://127.0.0.1:" + gw.broker().grpcPort()).setCompression("gzip")
        .addHeader("authorization", "Bearer " + runnerToken).build();
    LogRecordExporter http = OtlpHttpLogRecordExporter.builder()
        .setEndpoint(gw.baseUrl() + "/v1/otlp/logs").setCompression("gzip")
        .addHeader("authorization", "Bearer " + runnerToken).build();
    SluiceRunner runner = gw.runner("acme", "demo", "sdk-1");
    Span span;
    try (SdkTracerProvider tracing = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build();
        SdkLoggerProvider logs = SdkLoggerProvider.builder().setResource(resource)
            .addLogRecordProcessor(SimpleLogRecordProcessor.create(LogRecordExporter.composite(
                grpc, http))).build()) {
      span = tracing.get("test").spanBuilder("predict").startSpan();
      try (Scope scope = span.makeCurrent()) {
        logs.get("checkout").logRecordBuilder().setSeverity(Severity.WARN)
            .setBody("cart is slow").setAttribute(REQUEST_ID, "req-1")
            .setAttribute(AttributeKey.longKey("items"), 3L).emit();
        runner.info("from the runner sdk");
      } finally {
        span.end();
      }
      logs.get("checkout").logRecordBuilder().setSeverityText("ERROR")
          .setBody("outside the span").emit();
      assertThat(logs.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    }
    String traceId = span.getSpanContext().getTraceId();

    List<Record> trace = query(Predicates.newBuilder().setTraceId(traceId).build());
    // The OTLP record twice (once per exporter: its own runner session each time) and the
    // runner SDK's line, every one with the span's ids.
    assertThat(trace).extracting(Record::getMessage).containsExactlyInAnyOrder(
        "cart is slow", "cart is slow", "from the runner sdk");
    assertThat(trace).allSatisfy(r -> assertThat(r.getSpanId())
        .isEqualTo(span.getSpanContext().getSpanId()));
    Record otlp = trace.stream().filter(r -> r.getMessage().equals("cart is slow")).findFirst()
        .orElseThrow();
    assertThat(otlp.getSubject()).isEqualTo("demo.otel-1.req-1");
    assertThat(otlp.getLevel()).isEqualTo(dev.sluice.proto.v1.Level.WARN);
    assertThat(otlp.getFieldsMap()).containsEntry("items", "3")
        .containsEntry("logger", "checkout").doesNotContainKey("request_id");
    assertThat(otlp.getLabels().getVersion()).isEqualTo("v7");
    assertThat(otlp.getLabels().getNodeId()).isEqualTo("gpu-node.local");
    assertThat(otlp.getLabels().getRunnerId()).isEqualTo("otel-1");

    Map<String, List<Record>> all = query(Predicates.getDefaultInstance()).stream()
        .collect(Collectors.groupingBy(Record::getMessage));
    assertThat(all.get("outside the span")).hasSize(2).allSatisfy(r -> {
      assertThat(r.getLevel()).isEqualTo(dev.sluice.proto.v1.Level.ERROR);
      assertThat(r.getTraceId()).isEmpty();
      assertThat(r.getSubject()).isEqualTo("demo.otel-1._");
    });
  }

  @Test
  void otlpJsonWithHexIdsIsStoredAndAnsweredInJson() throws Exception {
    String runnerToken = gw.token("runner-py", "acme", Role.RUNNER, "demo");
    String traceId = "5b8efff798038103d269b633813fc60c";
    String body = """
        {"resourceLogs":[{"resource":{"attributes":[
          {"key":"service.name","value":{"stringValue":"demo"}},
          {"key":"sluice.runner","value":{"stringValue":"py-3"}}]},
         "scopeLogs":[{"scope":{"name":"app.worker"},"logRecords":[
          {"timeUnixNano":"1700000000000000000","severityNumber":17,"severityText":"ERROR",
           "traceId":"%s","spanId":"eee19b7ec3c1b174",
           "body":{"stringValue":"model failed to load"},
           "attributes":[{"key":"request_id","value":{"stringValue":"req-9"}},
                         {"key":"gpu","value":{"kvlistValue":{"values":[
                           {"key":"index","value":{"intValue":"0"}}]}}}]},
          {"timeUnixNano":"1700000000000000001","severityNumber":9,
           "body":{"kvlistValue":{"values":[{"key":"step","value":{"intValue":"2"}}]}}}
        ]}]}]}""".formatted(traceId);
    HttpResponse<String> answer = gw.send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(answer.body().trim()).isEqualTo("{\n}");

    Map<String, Record> by = query(Predicates.getDefaultInstance()).stream()
        .collect(Collectors.toMap(Record::getMessage, r -> r));
    Record failed = by.get("model failed to load");
    assertThat(failed.getTraceId()).isEqualTo(traceId);
    assertThat(failed.getSpanId()).isEqualTo("eee19b7ec3c1b174");
    assertThat(failed.getSubject()).isEqualTo("demo.py-3.req-9");
    assertThat(failed.getLevel()).isEqualTo(dev.sluice.proto.v1.Level.ERROR);
    assertThat(failed.getTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(failed.getFieldsMap()).containsEntry("gpu", "{\"index\":0}")
        .containsEntry("logger", "app.worker");
    assertThat(by).containsKey("{\"step\":2}");
  }

  @Test
  void refusalsComeAsOtlpStatusesAndStoreNothing() throws Exception {
    String body = """
        {"resourceLogs":[{"resource":{"attributes":[
          {"key":"service.name","value":{"stringValue":"%s"}}]},
         "scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}""";
    // No token: 401, with OTLP's Status in the request's encoding.
    HttpResponse<String> anonymous = gw.send(gw.request("/v1/otlp/logs", null)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.formatted("demo"))).build());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(new io.vertx.core.json.JsonObject(anonymous.body()).getInteger("code"))
        .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED.value());

    String runnerToken = gw.token("runner-x", "acme", Role.RUNNER, "demo");
    // Another app than the token's: 403.
    HttpResponse<String> otherApp = gw.send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.formatted("billing"))).build());
    assertThat(otherApp.statusCode()).as(otherApp.body()).isEqualTo(403);
    // A service name that is not a subject token: 400 naming the attribute, as protobuf.
    HttpResponse<byte[]> badName = gw.http().send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", OtlpApi.PROTOBUF)
        .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpApi.fromJson(io.vertx.core.buffer
            .Buffer.buffer(body.formatted("my service"))).toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(com.google.rpc.Status.parseFrom(badName.body()).getMessage())
        .contains("service.name");
    // Not OTLP at all.
    HttpResponse<String> garbage = gw.send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", OtlpApi.PROTOBUF)
        .POST(HttpRequest.BodyPublishers.ofString("not protobuf \u0000\u00ff")).build());
    assertThat(garbage.statusCode()).isEqualTo(400);
    HttpResponse<String> xml = gw.send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", "text/xml")
        .POST(HttpRequest.BodyPublishers.ofString("<logs/>")).build());
    assertThat(xml.statusCode()).isEqualTo(415);

    assertThat(query(Predicates.getDefaultInstance())).isEmpty();
  }

  @Test
  void anExportOfAMebibyteIsTakenAndOneOverTheLimitIs413AsAnOtlpStatus() throws Exception {
    String runnerToken = gw.token("runner-big", "acme", Role.RUNNER, "demo");
    StringBuilder records = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      records.append(i == 0 ? "" : ",").append("{\"body\":{\"stringValue\":\"record ")
          .append(i).append(' ').append("x".repeat(500)).append("\"}}");
    }
    String big = "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":"
        + "\"service.name\",\"value\":{\"stringValue\":\"demo\"}}]},\"scopeLogs\":[{"
        + "\"logRecords\":[" + records + "]}]}]}";
    assertThat(big.length()).isGreaterThan(1_000_000);
    HttpResponse<String> taken = gw.send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(big)).build());
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(200);
    assertThat(query(Predicates.getDefaultInstance())).hasSize(1000); // the query's page
    // The same limit however the path is spelled.
    HttpResponse<String> slash = gw.send(gw.request("/v1/otlp/logs/", runnerToken)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(big)).build());
    assertThat(slash.statusCode()).as(slash.body()).isEqualTo(200);

    HttpResponse<String> tooBig = gw.send(gw.request("/v1/otlp/logs", runnerToken)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(OtlpApi.MAX_BODY_BYTES + 1)))
        .build());
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(new io.vertx.core.json.JsonObject(tooBig.body()).getString("message"))
        .contains("send smaller batches");
  }

  /** Every stored line of account acme matching {@code where}, through a member's query. */
  private List<Record> query(Predicates where) {
    LogsGrpc.LogsBlockingStub logs = LogsGrpc.newBlockingStub(
        gw.sluice().channel(gw.token("ann", "acme", Role.MEMBER, "")));
    return logs.query(QueryRequest.newBuilder().setFilter(">").setWhere(where).setLimit(1000)
        .build()).getRecordsList().stream().filter(r -> r.getKind() == RecordKind.LINE)
        .toList();
  }
}
