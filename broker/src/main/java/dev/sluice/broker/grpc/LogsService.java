package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.plugin.RequestLogs;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.RequestLogsRequest;
import dev.sluice.proto.v1.RequestLogsResponse;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * The Logs service's history calls: Query and RequestLogs read through the history plugin ({@link RequestLogs}). Tail
 * is served by {@link TailEndpoint}. Every read is authorized by the access proxy first.
 */
final class LogsService {
  private final AccessProxy access;
  private final RequestLogs history;

  LogsService(AccessProxy access, RequestLogs history) {
    this.access = access;
    this.history = history;
  }

  /** Query and RequestLogs; Tail is served by {@link TailEndpoint}. */
  ServerServiceDefinition definition() {
    ServiceDescriptor service = ServiceDescriptor.newBuilder(LogsGrpc.SERVICE_NAME)
        .setSchemaDescriptor(LogsGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(LogsGrpc.getQueryMethod())
        .addMethod(LogsGrpc.getRequestLogsMethod())
        .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(LogsGrpc.getQueryMethod(), ServerCalls.asyncUnaryCall(this::query))
        .addMethod(LogsGrpc.getRequestLogsMethod(), ServerCalls.asyncUnaryCall(this::requestLogs))
        .build();
  }

  private void query(QueryRequest request, StreamObserver<QueryResponse> out) {
    Statuses.answer(out, () -> history.query(access.authorizeRead(AuthInterceptor.principal(),
        Subjects.filter(request.getFilter())), request));
  }

  private void requestLogs(RequestLogsRequest request, StreamObserver<RequestLogsResponse> out) {
    // The request's subjects: a caller's grant is checked against exactly this filter.
    Statuses.answer(out, () -> history.requestLogs(access.authorizeRead(AuthInterceptor.principal(),
        Subjects.filter(Subjects.token("app", request.getApp()) + ".*."
            + Subjects.token("request_id", request.getRequestId()))), request));
  }
}
