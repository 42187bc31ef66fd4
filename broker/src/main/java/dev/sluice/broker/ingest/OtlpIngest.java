package dev.sluice.broker.ingest;

import dev.sluice.broker.access.Principal;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * OTLP logs ({@code LogsService/Export}) as ingest: each resource of a request is a runner
 * session of its own, opened with the Hello its attributes make ({@link OtlpRecords}), and its
 * log records go in as that session's batches. So an OTLP export passes the same access
 * check, tenant limits, line splitting and request scoping as a runner's stream, and is
 * answered only once every record is durable.
 *
 * <p>Records over the account's ingest limit are shed as on a stream, told in a SHED record,
 * and counted in the answer's {@code partial_success}, which OTLP clients log.
 */
public final class OtlpIngest {
  private final IngestSession.Deps deps;

  public OtlpIngest(IngestSession.Deps deps) {
    this.deps = deps;
  }

  /**
   * Stores {@code request}'s records for {@code principal}; throws
   * {@link dev.sluice.broker.error.SluiceException} (bad attribute, no right to the app)
   * before anything is stored.
   */
  public Future<ExportLogsServiceResponse> export(Principal principal,
      ExportLogsServiceRequest request) {
    // Every resource is checked (access, attributes, lines) before the first append, so a
    // refused export stores nothing and the client's retry does not store twice.
    List<IngestSession> sessions = new ArrayList<>();
    List<List<LogBatch>> batches = new ArrayList<>();
    int max = deps.limits().maxRecordsPerBatch();
    for (ResourceLogs resource : request.getResourceLogsList()) {
      Hello hello = OtlpRecords.hello(resource.getResource(), principal.app());
      List<LogLine> lines = new ArrayList<>();
      for (ScopeLogs scope : resource.getScopeLogsList()) {
        String logger = scope.getScope().getName();
        scope.getLogRecordsList().forEach(r -> lines.add(OtlpRecords.line(r, logger)));
      }
      if (lines.isEmpty()) {
        continue;
      }
      IngestSession session = new IngestSession(deps, principal, false);
      session.hello(IngestFrame.newBuilder().setHello(hello).build());
      List<LogBatch> chunks = new ArrayList<>();
      for (int from = 0; from < lines.size(); from += max) {
        chunks.add(LogBatch.newBuilder()
            .addAllLines(lines.subList(from, Math.min(lines.size(), from + max))).build());
      }
      sessions.add(session);
      batches.add(chunks);
    }
    List<Future<?>> stored = new ArrayList<>();
    for (int s = 0; s < sessions.size(); s++) {
      IngestSession session = sessions.get(s);
      for (LogBatch batch : batches.get(s)) {
        stored.add(session.batch(RawBatch.of(batch)));
      }
      stored.add(session.flushShed());
    }
    return Future.all(stored).map(done -> {
      long shed = 0;
      for (IngestSession session : sessions) {
        shed += session.shedTotal();
      }
      ExportLogsServiceResponse.Builder answer = ExportLogsServiceResponse.newBuilder();
      if (shed > 0) {
        answer.setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
            .setRejectedLogRecords(shed)
            .setErrorMessage(shed + " log records over the account's ingest limit were shed"));
      }
      return answer.build();
    });
  }
}
