package dev.sluice.broker.plugin.history;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.RequestLogs;
import dev.sluice.broker.plugin.SluicePlugin;
import dev.sluice.broker.plugin.StoreWalk;
import dev.sluice.broker.store.Cursor;
import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.broker.plugin.Notices;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestLogsRequest;
import dev.sluice.proto.v1.RequestLogsResponse;
import dev.sluice.proto.v1.RequestState;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * History over the store: {@code Logs.Query} and the request-log view. Every read goes through
 * the caller's grant (the access proxy decided it), so a query sees exactly what a tail with
 * the same filter would. Pages are bounded by records, bytes and by how much one call may
 * examine; a page that stopped early carries a cursor to continue from.
 */
public final class HistoryPlugin implements SluicePlugin, RequestLogs {
  /** Default and largest {@code limit} of a query. */
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 10_000;
  /** Record bytes in one response: below grpc-java's default 4 MiB inbound limit. */
  static final int MAX_PAGE_BYTES = 1024 * 1024;
  /** Records one call examines at most before it answers with a cursor to continue. */
  static final long MAX_EXAMINED = 1_000_000;
  /** Lines in one request-log response. */
  static final int REQUEST_PAGE = 1_000;
  private static final int READ = 1_024;

  private PluginContext broker;

  @Override
  public String name() {
    return "history";
  }

  @Override
  public void start(PluginContext context) {
    this.broker = context;
  }

  @Override
  public Future<QueryResponse> query(ReadGrant grant, QueryRequest request) {
    int limit = request.getLimit() == 0 ? DEFAULT_LIMIT : request.getLimit();
    if (limit > MAX_LIMIT) {
      throw SluiceException.invalid("limit: " + request.getLimit() + " (expected: 1.."
          + MAX_LIMIT + ", or 0 for " + DEFAULT_LIMIT + ")");
    }
    long from = request.getFromUnixNano();
    long to = request.getToUnixNano() == 0 ? Long.MAX_VALUE : request.getToUnixNano();
    if (from < 0 || to <= from) {
      throw SluiceException.invalid("from_unix_nano/to_unix_nano: empty or negative range ["
          + from + ", " + request.getToUnixNano() + ")");
    }
    String requestId = request.getRequestId();
    if (!requestId.isEmpty()) {
      Subjects.token("request_id", requestId);
    }
    long after = request.getPageCursor().isEmpty() ? 0 : Cursor.seq(request.getPageCursor());
    RecordPredicate where = RecordPredicate.of(request.getWhere());
    Predicate<Record> wanted = r -> r.getTimeUnixNano() >= from && r.getTimeUnixNano() < to
        && (requestId.isEmpty() || requestId.equals(r.getLabels().getRequestId()))
        && where.test(r);
    Scan scan = grant.hinted(Scan.after(after, READ)).between(from, to);
    if (!requestId.isEmpty() && grant.filter().literal(0) != null) {
      scan = scan.request(grant.filter().literal(0), requestId);
    }
    return page(grant, scan, wanted, limit, broker.lastSeq(grant)).map(p -> {
      QueryResponse.Builder out = QueryResponse.newBuilder().addAllRecords(p.records());
      p.lost().forEach(range -> out.addNotices(Notices.gap(range)));
      if (!p.finished()) {
        out.setNextPageCursor(Cursor.of(p.position()));
      }
      return out.build();
    });
  }

  /**
   * The lines of one request after a cursor, with its state. The grant decides what a caller
   * sees: its own requests only, and no lines when the app's logs are private (the state is
   * still told).
   */
  @Override
  public Future<RequestLogsResponse> requestLogs(ReadGrant grant, RequestLogsRequest request) {
    String app = Subjects.token("app", request.getApp());
    String id = Subjects.token("request_id", request.getRequestId());
    SluiceException unknown = new SluiceException(Failure.NOT_FOUND, "request '" + id
        + "' of app '" + app + "' is not known (never seen, or older than the store's request "
        + "index)");
    RequestSpan span = broker.request(grant, app, id).orElseThrow(() -> unknown);
    // The reader must be allowed the request's start (a caller: only its own requests), else
    // the request is as unknown to it as one that never ran: not even its state is told.
    Record start = Record.newBuilder().setKind(RecordKind.REQUEST_START)
        .setLabels(Labels.newBuilder().setAppName(app).setRequestId(id).setCaller(span.caller()))
        .build();
    if (!grant.allows(start)) {
      throw unknown;
    }
    long after = request.getAfterCursor().isEmpty() ? span.firstSeq() - 1
        : Cursor.seq(request.getAfterCursor());
    long end = span.endSeq() > 0 ? span.endSeq() : broker.lastSeq(grant);
    Predicate<Record> wanted = r -> app.equals(r.getLabels().getAppName())
        && id.equals(r.getLabels().getRequestId())
        && r.getKind() != RecordKind.REQUEST_START && r.getKind() != RecordKind.REQUEST_END;
    return page(grant, Scan.after(Math.max(0, after), READ).request(app, id), wanted,
        REQUEST_PAGE, end).map(p -> {
      RequestLogsResponse.Builder out = RequestLogsResponse.newBuilder()
          .addAllRecords(p.records())
          .setNextCursor(Cursor.of(Math.max(p.position(), Math.max(0, after))));
      if (span.endSeq() > 0) {
        out.setState(RequestState.COMPLETED).setStatus(span.status());
      } else {
        out.setState(RequestState.RUNNING);
      }
      return out.build();
    });
  }

  /**
   * What a page collected, where it ended, whether anything is left, and the sequence numbers
   * lost to damage that it passed.
   */
  private record Page(List<Record> records, long position, boolean finished, List<Lost> lost) {}

  /** Reads one page: until it is full (records or bytes), the end, or the budget. */
  private Future<Page> page(ReadGrant grant, Scan scan, Predicate<Record> wanted, int limit,
      long end) {
    List<Record> records = new ArrayList<>();
    List<Lost> lost = new ArrayList<>();
    long[] bytes = {0};
    return StoreWalk.walk(broker, grant, scan, end, MAX_EXAMINED, stored -> {
      if (!wanted.test(stored.record())) {
        return true;
      }
      if (records.size() >= limit
          || (!records.isEmpty() && bytes[0] + stored.encoded().length > MAX_PAGE_BYTES)) {
        return false; // full: the cursor continues after the last one returned
      }
      records.add(wire(stored));
      bytes[0] += stored.encoded().length;
      return true;
    }, lost::add).map(walked -> new Page(records, walked.position(), walked.finished(), lost));
  }

  /** The record with its sequence and cursor, as subscribers receive it. */
  private static Record wire(StoredRecord stored) {
    try {
      return Record.parseFrom(stored.encoded());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored record does not parse", e);
    }
  }
}
