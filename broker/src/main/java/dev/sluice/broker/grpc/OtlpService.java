package dev.sluice.broker.grpc;

import dev.sluice.broker.ingest.OtlpIngest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.grpc.stub.StreamObserver;

/**
 * OTLP's {@code opentelemetry.proto.collector.logs.v1.LogsService/Export} on the broker's
 * port, so an OpenTelemetry SDK or collector sends logs with a runner token and nothing in
 * between. The mapping is {@link OtlpIngest}'s.
 */
final class OtlpService extends LogsServiceGrpc.LogsServiceImplBase {
  private final OtlpIngest ingest;

  OtlpService(OtlpIngest ingest) {
    this.ingest = ingest;
  }

  @Override
  public void export(ExportLogsServiceRequest request,
      StreamObserver<ExportLogsServiceResponse> out) {
    Statuses.answer(out, () -> ingest.export(AuthInterceptor.principal(), request));
  }
}
