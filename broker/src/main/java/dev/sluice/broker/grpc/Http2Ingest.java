package dev.sluice.broker.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.ingest.IngestSession;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ingest.Stream over plain gRPC on HTTP/2, read and answered on the HTTP request itself, as
 * {@link Http2Tail} does for tails: each length-prefixed IngestFrame is copied once out of the
 * transport's buffers into a pooled heap buffer its lines are read from, and replies are written as
 * length-prefixed IngestReplies, then {@code grpc-status} trailers. The gRPC library layers
 * between (a message queue, a deframer, a server call and its listener for every frame) were
 * about a tenth of the broker's work at saturation. Calls this does not take (compressed,
 * gRPC-Web, JSON) go to Vert.x's gRPC server as before.
 *
 * <p>Frames are read only as far as the call asks ({@link IngestCall.Replies#request}): the
 * request is paused beyond that, so HTTP/2 flow control pushes the runner back.
 */
final class Http2Ingest {
  static final String PATH = "/" + IngestGrpc.getStreamMethod().getFullMethodName();
  /**
   * Where frames are read into. Pooled: a busy runner's frames are hundreds of KB each, and a
   * fresh array per frame was zeroed and collected for nothing (its bytes are done with once
   * the session stored them, {@link IngestSession#batch}). Heap, not direct: the frame is
   * parsed and encoded from its array.
   */
  private static final PooledByteBufAllocator FRAMES = PooledByteBufAllocator.DEFAULT;

  private final IngestSession.Deps deps;
  private final GrpcFrontend.ActiveCalls calls;
  private final ConnectionCalls connections;
  private final AccessProxy access;
  private final ConnectionGuard.Registry guards;
  private final IngestFrames frames;

  /** Frame buffers taken from the pool and not given back, over every call of every loop. */
  private final AtomicInteger held;

  Http2Ingest(IngestSession.Deps deps, GrpcFrontend.ActiveCalls calls,
      ConnectionCalls connections, AccessProxy access, ConnectionGuard.Registry guards,
      AtomicInteger held) {
    this.held = held;
    this.deps = deps;
    this.calls = calls;
    this.connections = connections;
    this.access = access;
    this.guards = guards;
    this.frames = new IngestFrames(deps.limits().maxRecordsPerBatch());
  }

  private ByteBuf takeFrame(int size) {
    ByteBuf frame = FRAMES.heapBuffer(size, size);
    held.incrementAndGet();
    return frame;
  }

  private void giveBack(ByteBuf frame) {
    held.decrementAndGet();
    frame.release();
  }

  /** True for a plain gRPC call of Ingest.Stream whose frames are not compressed. */
  static boolean takes(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_2 && request.method() == HttpMethod.POST
        && PATH.equals(request.path()) && Http2Tail.plainGrpc(request);
  }

  void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader("content-type", "application/grpc");
    Principal principal;
    try {
      principal = access.authenticate(request.getHeader(TailEndpoint.AUTHORIZATION));
    } catch (RuntimeException e) {
      Http2Tail.endWith(response, Statuses.toStatus(e).getStatus());
      return;
    }
    Call call = new Call(request, deps.limits().maxFrameBytes());
    IngestCall ingest = new IngestCall(new IngestSession(deps, principal), call, calls);
    ingest.onEnd(connections.register(ConnectionCalls.key(request.connection().remoteAddress()),
        ingest::connectionLost));
    call.start(ingest);
  }

  /** One stream: its deframer, its read credit and its replies. */
  private final class Call implements IngestCall.Replies {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final int maxMessage;
    private final ConnectionGuard guard;
    private final byte[] header = new byte[5];
    // Read, not yet asked for; each released once handed on, or when the call ends.
    private final ArrayDeque<ByteBuf> ready = new ArrayDeque<>();
    private IngestCall ingest;
    private int headerFill;
    private ByteBuf body; // the message being read, once its header is known; sized to it
    private int credit;
    private boolean paused;
    private boolean halfClosed;
    private boolean ended;
    private boolean delivering;
    private Runnable onCancel = () -> { };

    Call(HttpServerRequest request, int maxMessage) {
      this.request = request;
      this.response = request.response();
      this.maxMessage = maxMessage;
      this.guard = guards.of(request.connection());
    }

    void start(IngestCall call) {
      this.ingest = call;
      request.handler(this::read);
      request.endHandler(v -> {
        halfClosed = true;
        deliver();
      });
      // A reset stream or a closed connection: the response closes without having ended.
      response.closeHandler(v -> {
        releaseFrames();
        if (!ended) {
          ended = true;
          onCancel.run();
        }
      });
      request.exceptionHandler(t -> {
        releaseFrames();
        if (!ended) {
          ended = true;
          onCancel.run();
        }
      });
    }

    /** Gives every frame held back to the pool; the call reads no more. */
    private void releaseFrames() {
      ByteBuf frame;
      while ((frame = ready.poll()) != null) {
        giveBack(frame);
      }
      if (body != null) {
        giveBack(body);
        body = null;
      }
    }

    /** Splits the DATA frames into messages, each copied once into its own buffer. */
    private void read(Buffer chunk) {
      if (ended) {
        return;
      }
      int at = 0;
      int length = chunk.length();
      while (at < length) {
        if (body == null) {
          int n = Math.min(5 - headerFill, length - at);
          chunk.getBytes(at, at + n, header, headerFill);
          headerFill += n;
          at += n;
          if (headerFill < 5) {
            break; // the rest of the header comes with the next chunk
          }
          headerFill = 0;
          int size = ((header[1] & 0xff) << 24) | ((header[2] & 0xff) << 16)
              | ((header[3] & 0xff) << 8) | (header[4] & 0xff);
          if (header[0] != 0) {
            refuse(Status.INTERNAL.withDescription("a compressed frame on a stream that "
                + "declared no grpc-encoding"));
            return;
          }
          if (size < 0 || size > maxMessage) {
            refuse(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds maximum "
                + "size " + maxMessage + ": " + Integer.toUnsignedLong(size)));
            return;
          }
          body = takeFrame(size);
        }
        int fill = body.writerIndex();
        int n = Math.min(body.writableBytes(), length - at);
        chunk.getBytes(at, at + n, body.array(), body.arrayOffset() + fill);
        body.writerIndex(fill + n);
        at += n;
        if (!body.isWritable()) {
          ready.add(body);
          body = null;
        }
      }
      deliver();
    }

    /** Hands the call what it asked for; pauses the request while it asks for no more. */
    private void deliver() {
      if (delivering) {
        return; // a store that completed at once asked for more: the loop below takes it
      }
      delivering = true;
      try {
        deliverReady();
      } finally {
        delivering = false;
      }
    }

    private void deliverReady() {
      while (credit > 0 && !ready.isEmpty() && !ended) {
        credit--;
        ByteBuf message = ready.poll();
        try {
          IngestFrames.In in;
          try {
            in = frames.read(message.array(), message.arrayOffset(), message.readableBytes());
          } catch (IOException e) {
            refuse(Status.INTERNAL.withDescription("Invalid protobuf byte sequence"));
            return;
          }
          // The session has stored (encoded) the frame's lines when this returns: nothing
          // reads the buffer after it (LogStore#appendDrafts).
          ingest.onNext(in);
        } finally {
          giveBack(message);
        }
      }
      if (ended) {
        return;
      }
      if (ready.isEmpty() && halfClosed) {
        if (body != null || headerFill > 0) {
          refuse(Status.INTERNAL.withDescription("the stream ended inside a frame"));
          return;
        }
        halfClosed = false; // told once
        ingest.onCompleted();
        return;
      }
      boolean pause = credit == 0 && !ready.isEmpty();
      if (pause != paused) {
        paused = pause;
        if (pause) {
          request.pause();
        } else {
          request.resume();
        }
      }
    }

    /** A protocol error of the client's: the call ends with it, as a failed store would. */
    private void refuse(Status status) {
      releaseFrames();
      ingest.onError(status.asRuntimeException());
      fail(status.asRuntimeException());
    }

    @Override
    public void request(int frames) {
      credit += frames;
      deliver();
    }

    @Override
    public boolean isReady() {
      return !ended && !response.writeQueueFull();
    }

    @Override
    public void send(IngestReply reply) {
      if (ended || response.closed()) {
        return;
      }
      byte[] bytes = new byte[5 + reply.getSerializedSize()];
      int size = bytes.length - 5;
      bytes[1] = (byte) (size >>> 24);
      bytes[2] = (byte) (size >>> 16);
      bytes[3] = (byte) (size >>> 8);
      bytes[4] = (byte) size;
      CodedOutputStream out = CodedOutputStream.newInstance(bytes, 5, size);
      try {
        reply.writeTo(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      guard.active(); // the runner's flow-control pings answer what it reads
      response.write(BufferInternal.buffer(Unpooled.wrappedBuffer(bytes)));
    }

    @Override
    public void fail(StatusRuntimeException status) {
      end(status.getStatus());
    }

    @Override
    public void complete() {
      end(Status.OK);
    }

    private void end(Status status) {
      if (ended) {
        return;
      }
      ended = true;
      releaseFrames();
      if (paused) {
        request.resume(); // what the client still sends is read and dropped
      }
      // No RST_STREAM after the trailers: grpc-java can report it (UNAVAILABLE) instead of the
      // status. The client stops once it reads the trailers; what it sent meanwhile is dropped.
      Http2Tail.endWith(response, status);
    }

    @Override
    public void onReady(Runnable ready) {
      response.drainHandler(v -> ready.run());
    }

    @Override
    public void onCancel(Runnable cancelled) {
      this.onCancel = cancelled;
    }
  }
}
