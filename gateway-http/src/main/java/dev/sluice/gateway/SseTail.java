package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.client.tail.TailMessage;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live tail as Server-Sent Events. The broker's messages are asked for one at a time, and
 * the next only once the browser's connection has taken the last one: a slow reader pushes
 * back to the broker, where the tail's overflow policy applies (CATCH_UP by default), instead
 * of piling up in the gateway.
 *
 * <p>Each record is {@code id: <cursor>} and {@code data: <record JSON>}, so a browser that
 * reconnects sends {@code Last-Event-ID} and resumes right after the last record it got.
 * Notices are {@code event: dropped} or {@code event: gap}. Until the broker has accepted the
 * tail nothing is sent, so a refused tail is an ordinary HTTP error (problem+json), which an
 * {@code EventSource} does not retry.
 */
final class SseTail extends ClientCall.Listener<TailMessage> {
  private static final Logger LOG = LoggerFactory.getLogger(SseTail.class);
  /** How long a browser waits before reconnecting (the SSE {@code retry:} field). */
  static final int RETRY_MILLIS = 2_000;
  private static final Buffer KEEP_ALIVE = Buffer.buffer(": keep-alive\n\n");

  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final Context context;
  private final BrokerLink.Lease lease;
  private final long keepAliveMillis;
  private ClientCall<TailRequest, TailMessage> call;
  private boolean started;
  private boolean finished;
  private long timer = -1;

  SseTail(RoutingContext ctx, Context context, BrokerLink.Lease lease, long keepAliveMillis) {
    this.ctx = ctx;
    this.response = ctx.response();
    this.context = context;
    this.lease = lease;
    this.keepAliveMillis = keepAliveMillis;
  }

  void start(TailRequest request) {
    call = lease.newTail();
    response.closeHandler(v -> gone());
    call.start(this, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    call.request(1);
  }

  // The listener runs on a gRPC transport thread; the response is only touched on its own
  // event loop.

  @Override
  public void onHeaders(Metadata headers) {
    // A refused tail's answer also begins with headers; only an open one is marked.
    if (headers.containsKey(BrokerLink.TAIL_OPEN)) {
      context.runOnContext(v -> begin());
    }
  }

  @Override
  public void onMessage(TailMessage message) {
    context.runOnContext(v -> deliver(message));
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    context.runOnContext(v -> closed(status));
  }

  /** The HTTP client went away: end the broker's tail too. */
  private void gone() {
    if (!finished) {
      finished = true;
      cancelTimer();
      lease.cancel(call, "the HTTP client went away");
    }
  }

  private void begin() {
    if (response.closed()) {
      gone(); // closed before its close handler was set: that handler never runs
      return;
    }
    if (started || finished) {
      return;
    }
    started = true;
    response.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache, no-store")
        .putHeader("x-accel-buffering", "no") // nginx: pass events through as they come
        .write("retry: " + RETRY_MILLIS + "\n\n");
    timer = ctx.vertx().setPeriodic(keepAliveMillis, id -> {
      if (!response.closed()) {
        response.write(KEEP_ALIVE);
      }
    });
  }

  private void deliver(TailMessage message) {
    begin();
    if (finished) {
      return;
    }
    Buffer events;
    try {
      events = events(message);
    } catch (RuntimeException e) {
      // A message this gateway cannot write: end the stream saying so (never go silent).
      LOG.error("a tail message could not be written as events", e);
      finished = true;
      cancelTimer();
      lease.cancel(call, "the gateway could not write a message");
      response.end("event: error\ndata: " + new Problem(502, "Broker error",
          "a message from the broker could not be written as events; see the gateway log",
          null, 0).json().encode() + "\n\n");
      return;
    }
    response.write(events);
    if (response.writeQueueFull()) {
      // Once: Vert.x keeps a drain handler, and a later drain would ask for a second message.
      response.drainHandler(v -> {
        response.drainHandler(null);
        call.request(1);
      });
    } else {
      call.request(1);
    }
  }

  private void closed(Status status) {
    if (finished) {
      return;
    }
    if (!started) {
      finish();
      if (status.isOk()) {
        response.setStatusCode(204).end();
      } else {
        ctx.fail(status.asRuntimeException());
      }
      return;
    }
    finish();
    if (!status.isOk()) {
      // The stream had begun: the error is the last event. A browser would reconnect to a
      // closed stream; the page reads this event and stops it when the problem is final.
      response.write("event: error\ndata: " + Problem.of(status.asRuntimeException()).json()
          .encode() + "\n\n");
    }
    response.end();
  }

  private void finish() {
    finished = true;
    lease.close();
    cancelTimer();
  }

  private void cancelTimer() {
    if (timer >= 0) {
      ctx.vertx().cancelTimer(timer);
      timer = -1;
    }
  }

  /**
   * One broker message as SSE events: its notices first, then its records. Everything goes
   * through one generator straight into the buffer that is written, with no sizing pass and
   * no copy.
   */
  static Buffer events(TailMessage message) {
    Buffer buffer = Buffer.buffer(16 * 1024);
    WireJson records = WireJson.local();
    try (JsonGenerator json = RecordJson.generator(new BufferOutput(buffer))) {
      for (Notice n : message.notices()) {
        json.writeRaw(n.getKind() == NoticeKind.DROPPED ? "event: dropped\ndata: "
            : "event: " + n.getKind().name().toLowerCase(Locale.ROOT) + "\ndata: ");
        RecordJson.write(json, n);
        json.writeRaw("\n\n");
      }
      for (int i = 0, n = message.records(); i < n; i++) {
        String cursor = records.read(message.bytes(), message.recordOffset(i), message.recordLength(i));
        json.writeRaw("id: ");
        json.writeRaw(cursor);
        json.writeRaw("\ndata: ");
        records.write(json, cursor);
        json.writeRaw("\n\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a buffer in memory does not fail
    }
    return buffer;
  }

  /** Appends what a generator writes to a Vert.x buffer. */
  static final class BufferOutput extends OutputStream {
    private final Buffer buffer;

    BufferOutput(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      buffer.appendBytes(bytes, offset, length);
    }
  }
}
