package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.history.History;
import dev.sluice.broker.plugin.tail.TailPlugin;
import dev.sluice.broker.plugin.tail.TailSink;
import dev.sluice.broker.plugin.tail.TailStream;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.RequestLogsRequest;
import dev.sluice.proto.v1.RequestLogsResponse;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * The Logs service. Tail is served with {@link TailChunk} so stored record bytes are reused;
 * Query and RequestLogs read history through {@link History}. Every read is authorized by the
 * access proxy first.
 */
final class LogsService {
  private final AccessProxy access;
  private final TailPlugin tail;
  private final History history;
  private final ConnectionCalls connections;

  LogsService(AccessProxy access, TailPlugin tail, History history, ConnectionCalls connections) {
    this.access = access;
    this.tail = tail;
    this.history = history;
    this.connections = connections;
  }

  ServerServiceDefinition definition() {
    MethodDescriptor<TailRequest, TailChunk> tailMethod = LogsGrpc.getTailMethod()
        .toBuilder(LogsGrpc.getTailMethod().getRequestMarshaller(), new TailChunk.ChunkMarshaller())
        .build();
    ServiceDescriptor service = ServiceDescriptor.newBuilder(LogsGrpc.SERVICE_NAME)
        .setSchemaDescriptor(LogsGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(tailMethod)
        .addMethod(LogsGrpc.getQueryMethod())
        .addMethod(LogsGrpc.getRequestLogsMethod())
        .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(tailMethod, ServerCalls.asyncServerStreamingCall(this::tail))
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

  private void tail(TailRequest request, StreamObserver<TailChunk> observer) {
    ServerCallStreamObserver<TailChunk> out = (ServerCallStreamObserver<TailChunk>) observer;
    try {
      ReadGrant grant = access.authorizeRead(AuthInterceptor.principal(),
          Subjects.filter(request.getFilter()));
      TailStream stream = tail.open(grant, request, new Sink(out));
      Runnable unregister = connections.register(AuthInterceptor.connection(), stream::cancel);
      out.setOnReadyHandler(stream::onReady);
      out.setOnCancelHandler(() -> {
        stream.cancel();
        unregister.run();
      });
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
    }
  }

  private static final class Sink implements TailSink {
    private final ServerCallStreamObserver<TailChunk> out;

    Sink(ServerCallStreamObserver<TailChunk> out) {
      this.out = out;
    }

    @Override
    public boolean isReady() {
      return out.isReady() && !out.isCancelled();
    }

    @Override
    public void send(List<Notice> notices, List<StoredRecord> records) {
      out.onNext(new TailChunk(notices, records));
    }

    @Override
    public void end(SluiceException failure) {
      if (failure == null) {
        out.onCompleted();
      } else {
        out.onError(Statuses.toStatus(failure));
      }
    }
  }
}
