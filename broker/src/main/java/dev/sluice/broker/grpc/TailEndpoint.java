package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.TailSink;
import dev.sluice.broker.plugin.Tails;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.vertx.core.internal.buffer.BufferInternal;
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
 * Logs.Tail, served without the grpc-java bridge: the bridge copies every message through a
 * growing byte stream and two buffers before it reaches the transport, and tails carry almost
 * every byte the broker sends. Plain gRPC over HTTP/2 (every gRPC client) is answered by
 * {@link Http2Tail}, which hands the stored bytes to the transport as they are; gRPC-Web and
 * anything else Vert.x's gRPC server understands is answered here, on that server. Either way
 * the access proxy authenticates and authorizes, exactly as for every other call.
 */
final class TailEndpoint {
  static final String AUTHORIZATION = "authorization";
  static final ServiceMethod<TailRequest, TailChunk> METHOD = ServiceMethod.server(
      ServiceName.create(LogsGrpc.SERVICE_NAME), "Tail", new ChunkEncoder(),
      GrpcMessageDecoder.decoder(TailRequest.newBuilder()));

  private final AccessProxy access;
  private final Tails tail;
  private final ConnectionCalls connections;
  private final ConnectionGuard.Registry guards;
  private final long http1KeepaliveMillis;

  /**
   * @param idle the connection idle timeout: a tail answered on Vert.x's gRPC server (gRPC-Web,
   *     mostly over HTTP/1.1, without HTTP/2 pings) sends an empty message when it sent
   *     nothing for a quarter of it: at most half of it goes silent, whatever the timers' drift
   */
  TailEndpoint(AccessProxy access, Tails tail, ConnectionCalls connections,
      ConnectionGuard.Registry guards, java.time.Duration idle) {
    this.access = access;
    this.tail = tail;
    this.connections = connections;
    this.guards = guards;
    this.http1KeepaliveMillis = Math.max(50, idle.toMillis() / 4);
  }

  /** Response header that says a tail was accepted and is open. */
  static final String OPEN_HEADER = "sluice-tail";

  /** What a tail needs of its call, whichever way the call arrived. */
  interface Call {
    boolean writeQueueFull();

    /** Writes {@code chunk}; runs {@code written} once it is sent or dropped. */
    void write(TailChunk chunk, Runnable written);

    /** Ends the call at once (a reader that stopped reading), without waiting to send more. */
    void abort(Status status);

    /** Ends the call with {@code status} (OK included). */
    void end(Status status);

    /** Runs {@code ready} when a full write queue has room again. */
    void onDrain(Runnable ready);

    /** Runs {@code gone} when the client cancels or its stream breaks. */
    void onGone(Runnable gone);

    /**
     * The tail is open: send the response headers now, with {@link #OPEN_HEADER}, so a client
     * (the HTTP gateway) learns that it was accepted before the first record, which may be long
     * in coming.
     */
    default void accepted() {}

    /** The client's connection, as {@link ConnectionCalls#key}; null if unknown. */
    String connection();

    /** See {@link TailSink#keepaliveMillis()}. */
    default long keepaliveMillis() {
      return 0;
    }
  }

  Principal authenticate(String authorization) {
    return access.authenticate(authorization);
  }

  /**
   * Opens the tail {@code request} asks for on {@code call}, or ends the call with why not.
   * Returns what cancels the tail (nothing once it ended).
   */
  Runnable open(Principal principal, TailRequest request, Call call) {
    try {
      ReadGrant grant = access.authorizeRead(principal, Subjects.filter(request.getFilter()));
      Sink sink = new Sink(call);
      Tails.Tail stream = tail.open(grant, principal.id(), call.connection(), request, sink);
      Runnable cancel = () -> {
        sink.cancelled = true;
        stream.cancel();
        sink.unregister.run();
      };
      // A client that just disappears may tell the stream nothing (vertx-grpc#101): the
      // connection's close ends the tail too.
      sink.unregister = connections.register(call.connection(), cancel);
      if (sink.ended) {
        sink.unregister.run(); // it ended while opening (a replay that failed at once)
      }
      call.onDrain(stream::onReady);
      call.onGone(cancel);
      if (!sink.ended) {
        call.accepted();
      }
      return cancel;
    } catch (RuntimeException e) {
      call.end(Statuses.toStatus(e).getStatus());
      return () -> { };
    }
  }

  void bind(GrpcServer server) {
    server.callHandler(METHOD, this::grpcCall);
  }

  private void grpcCall(GrpcServerRequest<TailRequest, TailChunk> request) {
    // gRPC-Web (mostly over HTTP/1.1, where no pings keep a connection busy): empty messages
    // keep a silent tail's connection from being closed as idle.
    GrpcCall call = new GrpcCall(request, guards.of(request.connection()),
        http1KeepaliveMillis);
    Principal principal;
    try {
      principal = authenticate(request.headers().get(AUTHORIZATION));
    } catch (SluiceException e) {
      call.end(Statuses.status(e));
      return;
    }
    // Tail is server streaming: one request. Vert.x's gRPC server does not count messages,
    // so a second one is refused here, and so is a request stream that ends with none.
    Runnable[] opened = new Runnable[1];
    request.handler(message -> {
      if (opened[0] != null) {
        opened[0].run();
        call.end(Status.INVALID_ARGUMENT.withDescription(
            "Tail takes one TailRequest; a second one came"));
        return;
      }
      opened[0] = open(principal, message, call);
    });
    request.endHandler(v -> {
      if (opened[0] == null) {
        call.end(Status.INVALID_ARGUMENT.withDescription("Tail needs one TailRequest; none came"));
      }
    });
  }

  /** Writes a tail's messages while its call takes them; ends it once. */
  private static final class Sink implements TailSink {
    private final Call out;
    volatile boolean cancelled;
    volatile boolean ended;
    volatile Runnable unregister = () -> { };

    Sink(Call out) {
      this.out = out;
    }

    @Override
    public boolean isReady() {
      return !cancelled && !ended && !out.writeQueueFull();
    }

    @Override
    public void send(List<Notice> notices, List<StoredRecord> records, Runnable written) {
      if (!cancelled && !ended) {
        out.write(new TailChunk(notices, records), written);
      } else {
        written.run();
      }
    }

    @Override
    public void abort(SluiceException failure) {
      if (ended || cancelled) {
        return;
      }
      ended = true;
      out.abort(Statuses.status(failure));
      unregister.run();
    }

    @Override
    public long keepaliveMillis() {
      return out.keepaliveMillis();
    }

    @Override
    public void end(SluiceException failure) {
      if (ended || cancelled) {
        return;
      }
      ended = true;
      out.end(failure == null ? Status.OK : Statuses.status(failure));
      unregister.run(); // the connection's close has nothing left to end
    }
  }

  /** A call on Vert.x's gRPC server (gRPC-Web, and whatever else it speaks). */
  private static final class GrpcCall implements Call {
    private final GrpcServerRequest<TailRequest, TailChunk> request;
    private final GrpcServerResponse<TailRequest, TailChunk> response;
    private final ConnectionGuard guard;
    private final long keepaliveMillis;
    private boolean ended;

    GrpcCall(GrpcServerRequest<TailRequest, TailChunk> request, ConnectionGuard guard,
        long keepaliveMillis) {
      this.request = request;
      this.response = request.response();
      this.guard = guard;
      this.keepaliveMillis = keepaliveMillis;
    }

    @Override
    public long keepaliveMillis() {
      return keepaliveMillis;
    }

    @Override
    public boolean writeQueueFull() {
      return response.writeQueueFull();
    }

    @Override
    public void write(TailChunk chunk, Runnable written) {
      guard.active(chunk.size());
      response.write(chunk).onComplete(done -> written.run());
    }

    @Override
    public void abort(Status status) {
      if (ended) {
        return;
      }
      ended = true;
      // Trailers would wait behind what the reader does not take: cancel the stream instead.
      response.cancel();
    }

    @Override
    public void end(Status status) {
      if (ended) {
        return;
      }
      ended = true;
      response.status(GrpcStatus.valueOf(status.getCode().value()));
      if (status.getDescription() != null) {
        response.statusMessage(status.getDescription());
      }
      response.end();
    }

    @Override
    public void onDrain(Runnable ready) {
      response.drainHandler(v -> ready.run());
    }

    @Override
    public void onGone(Runnable gone) {
      request.errorHandler(error -> {
        if (error == GrpcError.CANCELLED) {
          gone.run();
        }
      });
      response.exceptionHandler(t -> gone.run());
    }

    @Override
    public String connection() {
      return ConnectionCalls.key(request.connection().remoteAddress());
    }
  }

  /** A chunk as one protobuf message, written once from the stored bytes. */
  private static final class ChunkEncoder implements GrpcMessageEncoder<TailChunk> {
    @Override
    public GrpcMessage encode(TailChunk chunk, WireFormat format) throws CodecException {
      if (format != WireFormat.PROTOBUF) {
        throw new CodecException("tails are served in protobuf format only");
      }
      return GrpcMessage.message("identity", WireFormat.PROTOBUF,
          BufferInternal.buffer(Unpooled.wrappedBuffer(chunk.toBytes())));
    }

    @Override
    public boolean accepts(WireFormat format) {
      return format == WireFormat.PROTOBUF;
    }
  }
}
