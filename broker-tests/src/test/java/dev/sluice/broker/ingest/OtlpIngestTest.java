package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker's OTLP LogsService over real gRPC: the same token, limits and line splitting as
 * a runner's Ingest stream.
 */
class OtlpIngestTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withTenantLimits(100, 10_000_000, 1.0)
      .withLimits(64 * 1024, 50, 1024));

  @Test
  void anExportOverTheAccountsLimitIsShedAndToldInPartialSuccessAndASHEDRecord() {
    List<LogRecord> records = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      records.add(record(SeverityNumber.SEVERITY_NUMBER_INFO, "line " + i));
    }
    for (int i = 0; i < 5; i++) {
      records.add(record(SeverityNumber.SEVERITY_NUMBER_ERROR, "error " + i));
    }
    ExportLogsServiceResponse answer = otlp("acme", "demo").export(request("demo", records));

    long rejected = answer.getPartialSuccess().getRejectedLogRecords();
    assertThat(rejected).isGreaterThan(100).isLessThan(300);
    assertThat(answer.getPartialSuccess().getErrorMessage()).contains("shed");
    List<Record> stored = stored("acme");
    // 305 records in batches of at most 50 (the broker's limit): every kept one stored, errors
    // never shed, and SHED records telling every shed one.
    assertThat(stored).filteredOn(r -> r.getKind() == RecordKind.LINE)
        .hasSize(305 - (int) rejected);
    assertThat(stored).filteredOn(r -> r.getLevel() == Level.ERROR).hasSize(5);
    List<Record> markers = stored.stream().filter(r -> r.getKind() == RecordKind.SHED).toList();
    assertThat(markers).allSatisfy(r -> assertThat(r.getMessage()).startsWith("sluice: shed "));
    assertThat(markers.stream().mapToLong(r -> Long.parseLong(r.getFieldsOrDefault("shed_info",
        "0"))).sum()).isEqualTo(rejected);
  }

  @Test
  void aLongBodyIsSplitAsARunnersLineIs() {
    String body = "x".repeat(2_500);
    ExportLogsServiceResponse answer = otlp("acme", "demo")
        .export(request("demo", List.of(record(SeverityNumber.SEVERITY_NUMBER_WARN, body))));
    assertThat(answer.hasPartialSuccess()).isFalse();
    List<Record> parts = stored("acme").stream().filter(r -> r.getKind() == RecordKind.LINE)
        .toList();
    assertThat(parts).hasSize(3).allSatisfy(r -> assertThat(r.getParts()).isEqualTo(3));
    assertThat(parts.stream().map(Record::getMessage).reduce("", String::concat)).isEqualTo(body);
  }

  @Test
  void refusalsStoreNothing() {
    ExportLogsServiceRequest good = request("demo", List.of(
        record(SeverityNumber.SEVERITY_NUMBER_INFO, "x")));
    // A second resource for another app: the whole export is refused, the first one too.
    ExportLogsServiceRequest mixed = good.toBuilder()
        .addResourceLogs(request("billing", List.of(record(SeverityNumber.SEVERITY_NUMBER_INFO,
            "y"))).getResourceLogs(0)).build();
    assertThatThrownBy(() -> otlp("acme", "demo").export(mixed))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> otlp("acme", "demo").export(request("demo.v2", List.of())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("service.name");
        });
    LogsServiceGrpc.LogsServiceBlockingStub reader = LogsServiceGrpc.newBlockingStub(
        sluice.channel(sluice.token("ann", "acme", Role.MEMBER, "")));
    assertThatThrownBy(() -> reader.export(good))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    LogsServiceGrpc.LogsServiceBlockingStub anonymous = LogsServiceGrpc.newBlockingStub(
        sluice.channel());
    assertThatThrownBy(() -> anonymous.export(good))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(stored("acme")).isEmpty();
  }

  @Test
  void withoutAServiceNameTheTokensAppIsUsedAndTraceIdsAreHex() {
    byte[] trace = new byte[16];
    trace[15] = 1;
    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(ScopeLogs.newBuilder()
            .addLogRecords(record(SeverityNumber.SEVERITY_NUMBER_UNSPECIFIED, "plain").toBuilder()
                .setSeverityText("warning").setTraceId(ByteString.copyFrom(trace))
                .addAttributes(KeyValue.newBuilder().setKey("request_id")
                    .setValue(AnyValue.newBuilder().setStringValue("not a token!"))))))
        .build();
    otlp("acme", "demo").export(request);
    Record line = stored("acme").get(0);
    assertThat(line.getSubject()).isEqualTo("demo.otlp._");
    assertThat(line.getLevel()).isEqualTo(Level.WARN);
    assertThat(line.getTraceId()).isEqualTo("00000000000000000000000000000001");
    assertThat(line.getFieldsMap()).containsEntry("request_id", "not a token!");
  }

  @Test
  void theSdksDefaultServiceNameIsNoNameAndAnInstanceIdThatIsNoTokenIsTheWorker() {
    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(attribute("service.name", "unknown_service:java"))
            .addAttributes(attribute("service.instance.id", "prod.api-7f9.main")))
            .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(
                record(SeverityNumber.SEVERITY_NUMBER_INFO, "defaults")))).build();
    otlp("acme", "demo").export(request);
    Record line = stored("acme").get(0);
    assertThat(line.getSubject()).isEqualTo("demo.otlp._"); // the token's app
    assertThat(line.getLabels().getWorkerId()).isEqualTo("prod.api-7f9.main");

    // An empty sluice.app is no app: service.name names it (here not the token's app, so the
    // export is refused rather than filed under the token's app).
    ExportLogsServiceRequest named = ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(attribute("sluice.app", ""))
            .addAttributes(attribute("service.name", "billing")))
            .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(
                record(SeverityNumber.SEVERITY_NUMBER_INFO, "named")))).build();
    assertThatThrownBy(() -> otlp("acme", "demo").export(named))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getDescription()).contains("'billing'"));
  }

  @Test
  void aRecordOfAnOpenRequestDoesNotPullTheRecordsAfterItIntoThatRequest() {
    dev.sluice.testing.RawRunner runner = dev.sluice.testing.RawRunner.connect(
        sluice.channel(sluice.token("r", "acme", Role.RUNNER, "demo")), "demo", "r1");
    runner.start("req-1");
    runner.awaitAcked();
    ExportLogsServiceRequest request = request("demo", List.of(
        record(SeverityNumber.SEVERITY_NUMBER_INFO, "in req-1").toBuilder()
            .addAttributes(attribute("request_id", "req-1")).build(),
        record(SeverityNumber.SEVERITY_NUMBER_INFO, "after it")));
    otlp("acme", "demo").export(request);
    java.util.Map<String, String> subjects = stored("acme").stream()
        .filter(r -> r.getKind() == RecordKind.LINE)
        .collect(java.util.stream.Collectors.toMap(Record::getMessage, Record::getSubject));
    assertThat(subjects).containsEntry("in req-1", "demo.otlp.req-1")
        .containsEntry("after it", "demo.otlp._");
  }

  @Test
  void aResourceSayingItsLogsArePrivateMakesTheAppPrivate() {
    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(attribute("service.name", "demo"))
            .addAttributes(KeyValue.newBuilder().setKey("sluice.private_logs")
                .setValue(AnyValue.newBuilder().setBoolValue(true))))
            .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(
                record(SeverityNumber.SEVERITY_NUMBER_INFO, "secret")))).build();
    dev.sluice.proto.v1.AppsGrpc.AppsBlockingStub apps = dev.sluice.proto.v1.AppsGrpc
        .newBlockingStub(sluice.channel(sluice.token("ann", "acme", Role.ADMIN, "")));
    dev.sluice.proto.v1.AppRef demo = dev.sluice.proto.v1.AppRef.newBuilder().setApp("demo")
        .build();
    assertThat(apps.getAppPolicy(demo).getPrivateLogs()).isFalse();
    otlp("acme", "demo").export(request);
    assertThat(apps.getAppPolicy(demo).getPrivateLogs()).isTrue();
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder()
        .setStringValue(value)).build();
  }

  private LogsServiceGrpc.LogsServiceBlockingStub otlp(String account, String app) {
    return LogsServiceGrpc.newBlockingStub(
        sluice.channel(sluice.token("runner", account, Role.RUNNER, app)));
  }

  private List<Record> stored(String account) {
    return LogsGrpc.newBlockingStub(sluice.channel(sluice.token("ann", account, Role.MEMBER,
        ""))).query(QueryRequest.newBuilder().setFilter(">").setLimit(1000).build())
        .getRecordsList();
  }

  private static ExportLogsServiceRequest request(String app, List<LogRecord> records) {
    return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(app))))
        .addScopeLogs(ScopeLogs.newBuilder().addAllLogRecords(records))).build();
  }

  private static LogRecord record(SeverityNumber severity, String body) {
    return LogRecord.newBuilder().setSeverityNumber(severity)
        .setBody(AnyValue.newBuilder().setStringValue(body)).build();
  }
}
