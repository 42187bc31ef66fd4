package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.tail.TailPlugin;
import dev.sluice.broker.plugin.tail.TailSink;
import dev.sluice.broker.plugin.tail.TailStream;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcError;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.List;

/**
 * Logs.Tail, served on Vert.x's own gRPC server rather than through the grpc-java bridge: the
 * bridge copies every message through a growing byte stream and two buffers before it reaches
 * the transport, and tails carry almost every byte the broker sends. Here a message is made
 * once from the records' stored bytes ({@link TailChunk}) and handed to the transport as it
 * is. Authentication and authorization are the access proxy's, exactly as for every other
 * call; on the wire it is the same method.
 */
final class TailEndpoint {
  private static final String AUTHORIZATION = "authorization";
  static final ServiceMethod<TailRequest, TailChunk> METHOD = ServiceMethod.server(
      ServiceName.create(LogsGrpc.SERVICE_NAME), "Tail", new ChunkEncoder(),
      GrpcMessageDecoder.decoder(TailRequest.newBuilder()));

  private final AccessProxy access;
  private final TailPlugin tail;
  private final ConnectionCalls connections;

  TailEndpoint(AccessProxy access, TailPlugin tail, ConnectionCalls connections) {
    this.access = access;
    this.tail = tail;
    this.connections = connections;
  }

  void bind(GrpcServer server) {
    server.callHandler(METHOD, this::call);
  }

  private void call(GrpcServerRequest<TailRequest, TailChunk> call) {
    GrpcServerResponse<TailRequest, TailChunk> response = call.response();
    Principal principal;
    try {
      principal = access.authenticate(call.headers().get(AUTHORIZATION));
    } catch (SluiceException e) {
      fail(response, e);
      return;
    }
    call.handler(request -> open(call, principal, request));
  }

  private void open(GrpcServerRequest<TailRequest, TailChunk> call, Principal principal,
      TailRequest request) {
    GrpcServerResponse<TailRequest, TailChunk> response = call.response();
    try {
      ReadGrant grant = access.authorizeRead(principal, Subjects.filter(request.getFilter()));
      Sink sink = new Sink(response);
      TailStream stream = tail.open(grant, request, sink);
      SocketAddress remote = call.connection().remoteAddress();
      Runnable unregister = connections.register(remote == null ? null
          : ConnectionCalls.key(remote.hostAddress(), remote.port()), () -> {
            sink.cancelled = true;
            stream.cancel();
          });
      response.drainHandler(v -> stream.onReady());
      call.errorHandler(error -> {
        if (error == GrpcError.CANCELLED) {
          sink.cancelled = true;
          stream.cancel();
          unregister.run();
        }
      });
      response.exceptionHandler(t -> {
        sink.cancelled = true;
        stream.cancel();
        unregister.run();
      });
    } catch (RuntimeException e) {
      fail(response, e);
    }
  }

  private static void fail(GrpcServerResponse<?, ?> response, Throwable failure) {
    Status status = Statuses.toStatus(failure).getStatus();
    response.status(GrpcStatus.valueOf(status.getCode().value()));
    if (status.getDescription() != null) {
      response.statusMessage(status.getDescription());
    }
    response.end();
  }

  private static final class Sink implements TailSink {
    private final GrpcServerResponse<TailRequest, TailChunk> out;
    volatile boolean cancelled;
    private boolean ended;

    Sink(GrpcServerResponse<TailRequest, TailChunk> out) {
      this.out = out;
    }

    @Override
    public boolean isReady() {
      return !cancelled && !ended && !out.writeQueueFull();
    }

    @Override
    public void send(List<Notice> notices, List<StoredRecord> records) {
      if (!cancelled && !ended) {
        out.write(new TailChunk(notices, records));
      }
    }

    @Override
    public void end(SluiceException failure) {
      if (ended || cancelled) {
        return;
      }
      ended = true;
      if (failure == null) {
        out.end();
      } else {
        fail(out, failure);
      }
    }
  }

  /** A chunk as one protobuf message, written once from the stored bytes. */
  private static final class ChunkEncoder implements GrpcMessageEncoder<TailChunk> {
    @Override
    public GrpcMessage encode(TailChunk chunk, WireFormat format) throws CodecException {
      if (format != WireFormat.PROTOBUF) {
        throw new CodecException("tails are served in protobuf format only");
      }
      // Wrapped, not copied again: the transport takes these bytes as they are.
      return GrpcMessage.message("identity", WireFormat.PROTOBUF,
          BufferInternal.buffer(Unpooled.wrappedBuffer(chunk.toBytes())));
    }

    @Override
    public boolean accepts(WireFormat format) {
      return format == WireFormat.PROTOBUF;
    }
  }
}
