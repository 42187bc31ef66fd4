package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/logs}: history, the broker's {@code Logs.Query}. As JSON, one page with the
 * next page's cursor. As NDJSON ({@code Accept: application/x-ndjson}), every page, one record
 * per line, streamed: the next page is asked for only when the client has taken the last one,
 * so a day's export holds one page in memory, not the day.
 */
final class LogsApi {
  static final String NDJSON = "application/x-ndjson";
  private static final Set<String> PARAMS = Set.of("subject", "since", "from", "to", "level",
      "grep", "request", "trace", "limit", "cursor");
  /** Records per broker call during an export (the broker also stops a page at 1 MiB). */
  private static final int EXPORT_PAGE = 1_000;

  private final BrokerLink broker;

  LogsApi(BrokerLink broker) {
    this.broker = broker;
  }

  void mount(Router router) {
    router.get("/v1/logs").handler(this::logs);
  }

  private void logs(RoutingContext ctx) {
    Params p = new Params(ctx.queryParams(), PARAMS);
    p.atMostOne("since", "from");
    Instant now = Instant.now();
    QueryRequest.Builder query = QueryRequest.newBuilder().setFilter(p.subject(">"))
        .setWhere(p.where()).setToUnixNano(p.time("to", now))
        .setFromUnixNano(p.has("since") ? p.time("since", now) : p.time("from", now))
        .setPageCursor(p.cursor("cursor"));
    if (p.has("request")) {
      query.setRequestId(Params.token("request", p.get("request")));
    }
    String token = Credentials.token(ctx);
    String accept = ctx.request().getHeader("accept");
    if (accept != null && accept.contains(NDJSON)) {
      // For an export, `limit` caps the whole export; without it, everything that matches.
      long total = p.count("limit", Integer.MAX_VALUE, Integer.MAX_VALUE);
      export(ctx, Vertx.currentContext(), token, query, total, false);
      return;
    }
    query.setLimit(p.count("limit", 100, 10_000));
    Unary.call(Vertx.currentContext(), broker.logs(token)::query, query.build())
        .onSuccess(page -> ctx.response().putHeader("content-type", "application/json")
            .end(page(page)))
        .onFailure(ctx::fail);
  }

  private void export(RoutingContext ctx, Context context, String token,
      QueryRequest.Builder query, long remaining, boolean started) {
    query.setLimit((int) Math.min(EXPORT_PAGE, remaining));
    Unary.call(context, broker.logs(token)::query, query.build()).onComplete(ar -> {
      HttpServerResponse response = ctx.response();
      if (response.closed()) {
        return;
      }
      if (ar.failed()) {
        if (started) {
          // The status line is gone; the last line says why the export stopped.
          response.end(line(Problem.of(ar.cause())));
        } else {
          ctx.fail(ar.cause());
        }
        return;
      }
      if (!started) {
        response.setChunked(true).putHeader("content-type", NDJSON);
      }
      QueryResponse page = ar.result();
      response.write(lines(page.getRecordsList(), page.getNoticesList()));
      long left = remaining - page.getRecordsCount();
      ByteString next = page.getNextPageCursor();
      if (next.isEmpty() || left <= 0) {
        response.end();
        return;
      }
      query.setPageCursor(next);
      Runnable more = () -> export(ctx, context, token, query, left, true);
      if (response.writeQueueFull()) {
        response.drainHandler(v -> more.run());
      } else {
        more.run();
      }
    });
  }

  /** One JSON page: records, notices, next cursor. */
  static Buffer page(QueryResponse page) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + page.getSerializedSize() * 2);
    try (JsonGenerator json = RecordJson.generator(out)) {
      json.writeStartObject();
      json.writeArrayFieldStart("records");
      for (Record r : page.getRecordsList()) {
        RecordJson.write(json, r);
      }
      json.writeEndArray();
      json.writeArrayFieldStart("notices");
      for (Notice n : page.getNoticesList()) {
        RecordJson.write(json, n);
      }
      json.writeEndArray();
      if (page.getNextPageCursor().isEmpty()) {
        json.writeNullField("next_cursor");
      } else {
        json.writeStringField("next_cursor", Cursors.encode(page.getNextPageCursor()));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  /**
   * NDJSON lines; a notice (a gap, as {@code {"notice":{...}}}) comes where its sequence
   * numbers fall between the records.
   */
  static Buffer lines(List<Record> records, List<Notice> notices) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(records.size() * 300 + 64);
    try (JsonGenerator json = RecordJson.generator(out)) {
      int n = 0;
      for (Record r : records) {
        while (n < notices.size() && notices.get(n).getFirstSeq() < r.getSeq()) {
          notice(json, out, notices.get(n++));
        }
        RecordJson.write(json, r);
        json.flush();
        out.write('\n');
      }
      while (n < notices.size()) {
        notice(json, out, notices.get(n++));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static void notice(JsonGenerator json, ByteArrayOutputStream out, Notice notice)
      throws IOException {
    json.writeStartObject();
    json.writeFieldName("notice");
    RecordJson.write(json, notice);
    json.writeEndObject();
    json.flush();
    out.write('\n');
  }

  private static Buffer line(Problem problem) {
    return new JsonObject().put("error", problem.json()).toBuffer().appendString("\n");
  }
}
