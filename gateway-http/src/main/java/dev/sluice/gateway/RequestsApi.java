package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RequestLogsRequest;
import dev.sluice.proto.v1.RequestLogsResponse;
import dev.sluice.proto.v1.RequestState;
import dev.sluice.proto.v1.RequestStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;

/**
 * A request's status with its logs, modelled on fal's queue API: {@code status?logs=1} answers
 * {@code {"status":"IN_PROGRESS"|"COMPLETED","logs":[{timestamp,level,source,message}],...}}
 * plus {@code cursor} for the next poll; {@code status/stream?logs=1} sends such an object as
 * an SSE event whenever there is something new, and ends after COMPLETED. The broker's
 * {@code Logs.RequestLogs} decides what the reader sees: a caller only its own requests (404 for
 * any other, as for one that never ran), and no lines when the app's logs are private.
 */
final class RequestsApi {
  /** How often a status stream asks the broker for news while nothing new came. */
  static final long STREAM_POLL_MILLIS = 250;
  private static final Set<String> PARAMS = Set.of("logs", "cursor");

  private final BrokerLink broker;
  private final long keepAliveMillis;

  RequestsApi(BrokerLink broker, long keepAliveMillis) {
    this.broker = broker;
    this.keepAliveMillis = keepAliveMillis;
  }

  void mount(Router router) {
    router.get("/v1/apps/:app/requests/:id/status").handler(this::status);
    router.get("/v1/apps/:app/requests/:id/status/stream").handler(this::stream);
  }

  private void status(RoutingContext ctx) {
    Poll poll = poll(ctx, null);
    fetch(poll, Vertx.currentContext()).onSuccess(answer -> ctx.response()
        .putHeader("content-type", "application/json").end(json(poll, answer)))
        .onFailure(ctx::fail);
  }

  private void stream(RoutingContext ctx) {
    String lastEventId = ctx.request().getHeader("last-event-id");
    Poll poll = poll(ctx, lastEventId);
    Context context = Vertx.currentContext();
    // The first answer decides between an HTTP error and a stream.
    fetch(poll, context).onFailure(ctx::fail).onSuccess(first -> {
      HttpServerResponse response = ctx.response();
      if (response.closed()) {
        return; // the client left while the broker answered
      }
      if (lastEventId != null && first.getState() == RequestState.COMPLETED
          && first.getRecordsCount() == 0) {
        // A browser reconnecting after the stream ended: it has seen everything. 204 is what
        // makes an EventSource stop reconnecting.
        response.setStatusCode(204).end();
        return;
      }
      response.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
          .putHeader("cache-control", "no-cache, no-store").putHeader("x-accel-buffering", "no");
      long keepAlive = ctx.vertx().setPeriodic(keepAliveMillis, id -> {
        if (!response.closed()) {
          response.write(": keep-alive\n\n");
        }
      });
      response.closeHandler(v -> ctx.vertx().cancelTimer(keepAlive));
      new Streamer(ctx, context, poll, keepAlive).answer(first, true);
    });
  }

  /** A stream's loop: send what is new, then ask again (at once while lines keep coming). */
  private final class Streamer {
    private final RoutingContext ctx;
    private final Context context;
    private final Poll poll;
    private final long keepAlive;

    Streamer(RoutingContext ctx, Context context, Poll poll, long keepAlive) {
      this.ctx = ctx;
      this.context = context;
      this.poll = poll;
      this.keepAlive = keepAlive;
    }

    void answer(RequestLogsResponse answer, boolean first) {
      HttpServerResponse response = ctx.response();
      if (response.closed()) {
        ctx.vertx().cancelTimer(keepAlive);
        return;
      }
      boolean completed = answer.getState() == RequestState.COMPLETED;
      boolean news = first || completed != poll.completed
          || poll.logs && answer.getRecordsCount() > 0;
      poll.completed = completed;
      if (news) {
        response.write(Buffer.buffer("id: " + Cursors.encode(answer.getNextCursor())
            + "\ndata: ").appendBuffer(json(poll, answer)).appendString("\n\n"));
      }
      poll.cursor = answer.getNextCursor();
      if (completed && answer.getRecordsCount() == 0) {
        ctx.vertx().cancelTimer(keepAlive);
        response.end();
        return;
      }
      Runnable next = () -> fetch(poll, context).onComplete(ar -> {
        if (ar.succeeded()) {
          answer(ar.result(), false);
        } else if (!response.closed()) {
          ctx.vertx().cancelTimer(keepAlive);
          response.end("event: error\ndata: " + Problem.of(ar.cause()).json().encode() + "\n\n");
        }
      });
      if (answer.getRecordsCount() > 0) {
        if (response.writeQueueFull()) {
          // Once: a handler left behind would start a second polling loop at a later drain.
          response.drainHandler(v -> {
            response.drainHandler(null);
            next.run();
          });
        } else {
          next.run();
        }
      } else {
        ctx.vertx().setTimer(STREAM_POLL_MILLIS, id -> next.run());
      }
    }
  }

  /** What one status request (or stream) asks about, and where its logs have got to. */
  private static final class Poll {
    final String app;
    final String id;
    final String token;
    final boolean logs;
    ByteString cursor;
    boolean completed;

    Poll(String app, String id, String token, boolean logs, ByteString cursor) {
      this.app = app;
      this.id = id;
      this.token = token;
      this.logs = logs;
      this.cursor = cursor;
    }
  }

  private Poll poll(RoutingContext ctx, String lastEventId) {
    Params p = new Params(ctx.queryParams(), PARAMS);
    String app = Params.token("app", ctx.pathParam("app"));
    String id = Params.token("request", ctx.pathParam("id"));
    boolean logs = switch (p.has("logs") ? p.get("logs") : "0") {
      case "1", "true" -> true;
      case "0", "false" -> false;
      default -> throw Problem.badParam("logs", "'" + Params.clip(p.get("logs"))
          + "' (expected: 1 or 0)").exception();
    };
    ByteString cursor = lastEventId != null && !lastEventId.isEmpty()
        ? Cursors.decode(lastEventId, "Last-Event-ID") : p.cursor("cursor");
    return new Poll(app, id, Credentials.token(ctx), logs, cursor);
  }

  private Future<RequestLogsResponse> fetch(Poll poll, Context context) {
    return Unary.call(context, broker.logs(poll.token)::requestLogs,
        RequestLogsRequest.newBuilder().setApp(poll.app).setRequestId(poll.id)
            .setAfterCursor(poll.cursor).build());
  }

  static Buffer json(Poll poll, RequestLogsResponse answer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + answer.getSerializedSize());
    try (JsonGenerator json = RecordJson.generator(out)) {
      json.writeStartObject();
      boolean completed = answer.getState() == RequestState.COMPLETED;
      json.writeStringField("status", completed ? "COMPLETED" : "IN_PROGRESS");
      json.writeStringField("app", poll.app);
      json.writeStringField("request_id", poll.id);
      if (completed) {
        json.writeStringField("result", result(answer.getStatus()));
      }
      if (poll.logs) {
        json.writeArrayFieldStart("logs");
        for (Record r : answer.getRecordsList()) {
          json.writeStartObject();
          json.writeStringField("timestamp", RecordJson.timestamp(r.getTimeUnixNano()));
          json.writeStringField("level", RecordJson.level(r.getLevel()).toUpperCase(Locale.ROOT));
          json.writeStringField("source", r.getLabels().getSource());
          json.writeStringField("message", r.getMessage());
          json.writeEndObject();
        }
        json.writeEndArray();
      }
      json.writeStringField("cursor", Cursors.encode(answer.getNextCursor()));
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  /** A request's outcome: OK, ERROR, CANCELLED, TIMEOUT, or UNKNOWN. */
  static String result(RequestStatus status) {
    return switch (status) {
      case REQUEST_OK -> "OK";
      case REQUEST_ERROR -> "ERROR";
      case REQUEST_CANCELLED -> "CANCELLED";
      case REQUEST_TIMEOUT -> "TIMEOUT";
      default -> "UNKNOWN";
    };
  }
}
