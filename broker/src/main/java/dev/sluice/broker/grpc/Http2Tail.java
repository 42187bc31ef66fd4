package dev.sluice.broker.grpc;

import dev.sluice.broker.access.Principal;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Logs.Tail over plain gRPC on HTTP/2, answered on the HTTP request itself: the request is
 * one length-prefixed TailRequest, the response is length-prefixed TailResponses, then
 * {@code grpc-status} and {@code grpc-message} trailers (the gRPC protocol over HTTP/2). Each
 * message goes to the transport as one direct buffer the records' bytes are copied into once
 * ({@link TailChunk#toGrpcMessage}),
 * with no gRPC library copying it on the way. Calls this does not take (gRPC-Web, JSON, a
 * compressed request) go to Vert.x's gRPC server as every other call does.
 */
final class Http2Tail {
  static final String PATH = "/" + LogsGrpc.getTailMethod().getFullMethodName();
  /** HTTP/2's REFUSED_STREAM error code. */
  static final long REFUSED_STREAM = 0x7;
  /** A TailRequest is a filter, a few predicates and a cursor: far below this. */
  static final int MAX_REQUEST_BYTES = 64 * 1024;
  /**
   * Request bytes one connection may have the broker hold while its requests are read, over
   * all its streams: without it, 10,000 streams of one connection could each pin a request.
   */
  static final int MAX_REQUEST_BYTES_PER_CONNECTION = 1024 * 1024;

  private final TailEndpoint endpoint;
  private final ConnectionGuard.Registry guards;
  private final ConcurrentHashMap<String, AtomicInteger> reading = new ConcurrentHashMap<>();

  Http2Tail(TailEndpoint endpoint, ConnectionGuard.Registry guards) {
    this.endpoint = endpoint;
    this.guards = guards;
  }

  /** True for a plain gRPC call of Logs.Tail, with an uncompressed request. */
  static boolean takes(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_2 && request.method() == HttpMethod.POST
        && PATH.equals(request.path()) && plainGrpc(request);
  }

  /** True for gRPC in protobuf whose messages are not compressed. */
  static boolean plainGrpc(HttpServerRequest request) {
    String type = request.getHeader("content-type");
    String encoding = request.getHeader("grpc-encoding");
    return ("application/grpc".equals(type) || "application/grpc+proto".equals(type))
        && (encoding == null || encoding.equals("identity"));
  }

  /** Ends a gRPC response with {@code status} in its trailers. */
  static void endWith(HttpServerResponse response, Status status) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.putTrailer("grpc-status", Integer.toString(status.getCode().value()));
    if (status.getDescription() != null) {
      response.putTrailer("grpc-message", percentEncoded(status.getDescription()));
    }
    response.end();
  }

  void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader("content-type", "application/grpc");
    Call call = new Call(request, guards.of(request.connection()));
    Principal principal;
    try {
      principal = endpoint.authenticate(request.getHeader(TailEndpoint.AUTHORIZATION));
    } catch (RuntimeException e) {
      call.end(Statuses.toStatus(e).getStatus());
      return;
    }
    // The request is read with bounds, per stream and per connection: a client cannot make
    // the broker hold more than a few small messages for it.
    RequestBody body = new RequestBody(call.connection());
    call.whileReading(body::release);
    request.handler(chunk -> {
      if (body.refused) {
        return;
      }
      String refusal = body.add(chunk);
      if (refusal != null) {
        body.refused = true;
        body.release();
        call.end(Status.RESOURCE_EXHAUSTED.withDescription(refusal));
        response.reset(0); // NO_ERROR: the answer is given, stop sending the rest
      }
    });
    request.endHandler(v -> {
      if (body.refused) {
        return;
      }
      body.release();
      TailRequest message;
      try {
        message = parse(body.bytes);
      } catch (SluiceException e) {
        call.end(Statuses.status(e));
        return;
      }
      endpoint.open(principal, message, call);
    });
  }

  /** A request being read, and its share of its connection's budget. */
  private final class RequestBody {
    final Buffer bytes = Buffer.buffer();
    final String connection;
    boolean refused;
    private int held; // bytes counted against the connection

    RequestBody(String connection) {
      this.connection = connection == null ? "" : connection;
    }

    /** Adds a chunk; returns why not if it breaks a bound. */
    String add(Buffer chunk) {
      if (bytes.length() + chunk.length() > 5 + MAX_REQUEST_BYTES) {
        return "request: larger than " + MAX_REQUEST_BYTES + " bytes (expected: one TailRequest)";
      }
      AtomicInteger used = reading.computeIfAbsent(connection, c -> new AtomicInteger());
      if (used.addAndGet(chunk.length()) > MAX_REQUEST_BYTES_PER_CONNECTION) {
        used.addAndGet(-chunk.length());
        return "requests: more than " + MAX_REQUEST_BYTES_PER_CONNECTION
            + " bytes being read on one connection";
      }
      held += chunk.length();
      bytes.appendBuffer(chunk);
      return null;
    }

    /** Gives the bytes back to the connection's budget; idempotent. */
    void release() {
      if (held == 0) {
        return;
      }
      int n = held;
      held = 0;
      reading.computeIfPresent(connection, (c, used) -> used.addAndGet(-n) <= 0 ? null : used);
    }
  }

  /** The one length-prefixed message of a request. */
  private static TailRequest parse(Buffer body) {
    if (body.length() < 5 || body.getByte(0) != 0) {
      throw SluiceException.invalid("request: not one uncompressed gRPC message");
    }
    int length = body.getInt(1);
    if (length < 0 || length > MAX_REQUEST_BYTES || body.length() != 5 + length) {
      throw SluiceException.invalid("request: " + body.length() + " bytes do not hold one "
          + "message of " + length);
    }
    try {
      return TailRequest.parseFrom(body.getBytes(5, 5 + length));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw SluiceException.invalid("request: not a TailRequest (" + e.getMessage() + ")");
    }
  }

  private static final class Call implements TailEndpoint.Call {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final ConnectionGuard guard;
    private boolean ended;
    private Runnable gone = () -> { };

    Call(HttpServerRequest request, ConnectionGuard guard) {
      this.request = request;
      this.response = request.response();
      this.guard = guard;
      // A reset stream, a closed connection: the response closes without having ended.
      response.closeHandler(v -> {
        if (!ended) {
          gone.run();
        }
      });
      response.exceptionHandler(t -> gone.run());
      request.exceptionHandler(t -> gone.run());
    }

    /** Runs {@code onGone} if the stream goes away while its request is being read. */
    void whileReading(Runnable onGone) {
      gone = onGone;
    }

    @Override
    public boolean writeQueueFull() {
      return response.writeQueueFull();
    }

    @Override
    public void write(TailChunk chunk, Runnable written) {
      if (ended || response.closed()) {
        written.run();
        return;
      }
      if (!response.headWritten()) {
        // A replay can write before the tail is registered as open; it is open all the same.
        response.putHeader(TailEndpoint.OPEN_HEADER, "open");
      }
      // Vert.x hands the transport an unreleasable view of a pooled buffer: it is released
      // here once written, or once the write failed (a reset, a closed connection).
      ByteBuf message = chunk.toGrpcMessage(ByteBufAllocator.DEFAULT);
      guard.active(message.readableBytes()); // the client's flow-control pings follow it
      try {
        response.write(BufferInternal.buffer(message)).onComplete(done -> {
          message.release();
          written.run();
        });
      } catch (RuntimeException e) {
        message.release();
        written.run();
        throw e;
      }
    }

    @Override
    public void abort(Status status) {
      if (ended || response.closed()) {
        return;
      }
      ended = true;
      // Trailers would wait behind what the reader does not take; a reset drops all of it at
      // once. gRPC clients read ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED and REFUSED_STREAM as
      // UNAVAILABLE (retry).
      response.reset(status.getCode() == Status.Code.UNAVAILABLE ? REFUSED_STREAM
          : ConnectionGuard.ENHANCE_YOUR_CALM);
    }

    @Override
    public void end(Status status) {
      if (ended || response.closed()) {
        return;
      }
      ended = true;
      endWith(response, status);
    }

    @Override
    public void onDrain(Runnable ready) {
      response.drainHandler(v -> ready.run());
    }

    @Override
    public void accepted() {
      if (!ended && !response.closed() && !response.headWritten()) {
        // Marked: a refused call's answer also begins with headers (then trailers).
        response.putHeader(TailEndpoint.OPEN_HEADER, "open").writeHead();
      }
    }

    @Override
    public void onGone(Runnable gone) {
      this.gone = gone;
    }

    @Override
    public String connection() {
      return ConnectionCalls.key(request.connection().remoteAddress());
    }
  }

  /** grpc-message as the gRPC protocol writes it: UTF-8, with '%' and non-printables as %XX. */
  static String percentEncoded(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
