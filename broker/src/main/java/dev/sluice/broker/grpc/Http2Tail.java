package dev.sluice.broker.grpc;

import dev.sluice.broker.access.Principal;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.Status;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;

/**
 * Logs.Tail over plain gRPC on HTTP/2, answered on the HTTP request itself: the request is
 * one length-prefixed TailRequest, the response is length-prefixed TailResponses, then
 * {@code grpc-status} and {@code grpc-message} trailers (the gRPC protocol over HTTP/2). Each
 * message goes to the transport as the records' stored arrays ({@link TailChunk#toGrpcMessage}),
 * with no gRPC library copying it on the way. Calls this does not take (gRPC-Web, JSON, a
 * compressed request) go to Vert.x's gRPC server as every other call does.
 */
final class Http2Tail {
  static final String PATH = "/" + LogsGrpc.getTailMethod().getFullMethodName();
  private static final int MAX_REQUEST_BYTES = 1024 * 1024;

  private final TailEndpoint endpoint;

  Http2Tail(TailEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** True for a plain gRPC call of Logs.Tail, with an uncompressed request. */
  static boolean takes(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2 || request.method() != HttpMethod.POST
        || !PATH.equals(request.path())) {
      return false;
    }
    String type = request.getHeader("content-type");
    String encoding = request.getHeader("grpc-encoding");
    return ("application/grpc".equals(type) || "application/grpc+proto".equals(type))
        && (encoding == null || encoding.equals("identity"));
  }

  void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader("content-type", "application/grpc");
    Call call = new Call(request);
    Principal principal;
    try {
      principal = endpoint.authenticate(request.getHeader(TailEndpoint.AUTHORIZATION));
    } catch (SluiceException e) {
      call.end(Statuses.status(e));
      return;
    }
    // The request is read with a bound: a client cannot make the broker hold more than one
    // small message for it.
    Buffer body = Buffer.buffer();
    boolean[] refused = new boolean[1];
    request.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (body.length() + chunk.length() > 5 + MAX_REQUEST_BYTES) {
        refused[0] = true;
        call.end(Status.RESOURCE_EXHAUSTED.withDescription("request: larger than "
            + MAX_REQUEST_BYTES + " bytes (expected: one TailRequest)"));
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> {
      if (refused[0]) {
        return;
      }
      TailRequest message;
      try {
        message = parse(body);
      } catch (SluiceException e) {
        call.end(Statuses.status(e));
        return;
      }
      endpoint.open(principal, message, call);
    });
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
    private boolean ended;

    Call(HttpServerRequest request) {
      this.request = request;
      this.response = request.response();
    }

    @Override
    public boolean writeQueueFull() {
      return response.writeQueueFull();
    }

    @Override
    public void write(TailChunk chunk) {
      if (!ended && !response.closed()) {
        response.write(BufferInternal.buffer(chunk.toGrpcMessage()));
      }
    }

    @Override
    public void end(Status status) {
      if (ended || response.closed()) {
        return;
      }
      ended = true;
      response.putTrailer("grpc-status", Integer.toString(status.getCode().value()));
      if (status.getDescription() != null) {
        response.putTrailer("grpc-message", percentEncoded(status.getDescription()));
      }
      response.end();
    }

    @Override
    public void onDrain(Runnable ready) {
      response.drainHandler(v -> ready.run());
    }

    @Override
    public void onGone(Runnable gone) {
      // A reset stream, a closed connection: the response closes without having ended.
      response.closeHandler(v -> {
        if (!ended) {
          gone.run();
        }
      });
      response.exceptionHandler(t -> gone.run());
      request.exceptionHandler(t -> gone.run());
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
