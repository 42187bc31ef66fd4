package dev.sluice.broker.ingest;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AccessProxy.IngestGrant;
import dev.sluice.broker.access.AppPolicies;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.store.Draft;
import dev.sluice.broker.store.LogStore;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Ack;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestEnd;
import dev.sluice.proto.v1.RequestInfo;
import dev.sluice.proto.v1.RequestStart;
import dev.sluice.proto.v1.Stream;
import dev.sluice.proto.v1.Welcome;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One runner's ingest stream: validates the Hello, turns frames into records with labels from
 * the session (never from the frame), scopes lines to requests, splits long lines, stores
 * them, and hands them to the router. Not thread-safe: a session lives on its call's event
 * loop.
 *
 * <p>Request scoping (DESIGN.md): a line with an explicit request id belongs to it; otherwise,
 * while exactly one request is open on the runner, to that one; otherwise to {@code _}.
 *
 * <p>Client sequence numbers: lines and request events at or below the highest sequence seen
 * are resends after a reconnect and are skipped, so nothing is stored twice.
 */
public final class IngestSession {
  private final Deps deps;
  private final Principal principal;
  private final boolean timeScoped;

  private Hello hello;
  private String account;
  private String sessionKey;
  private Labels baseLabels;
  private RequestScope noRequest;
  private RunnerSessions.OpenRequests open;
  private final ScopeCache scopes = new ScopeCache();
  private long lastSeq;
  private final Shedding shedding = new Shedding();

  /** What every session shares. */
  public record Deps(Limits limits, LogStore store, AccessProxy access,
      RunnerSessions sessions, AppPolicies policies,
      TenantLimiter limiter) {}

  /**
   * What one runner may send (told to it in its Welcome).
   *
   * @param maxFrameBytes largest message accepted from a runner
   * @param maxRecordsPerBatch most lines in one LogBatch
   * @param maxLineBytes longest line in UTF-8 bytes; longer lines are split into marked parts
   * @param maxOpenRequestsPerRunner most requests open at once on one runner session
   */
  public record Limits(int maxFrameBytes, int maxRecordsPerBatch, int maxLineBytes,
      int maxOpenRequestsPerRunner) {
    public Limits {
      if (maxFrameBytes < 1024 || maxRecordsPerBatch < 1 || maxLineBytes < 64
          || maxLineBytes > maxFrameBytes || maxOpenRequestsPerRunner < 1) {
        throw new IllegalArgumentException("ingest limits: " + maxFrameBytes + " frame bytes, "
            + maxRecordsPerBatch + " records per batch, " + maxLineBytes + " line bytes, "
            + maxOpenRequestsPerRunner + " open requests (expected: frame >= 1024, "
            + "records >= 1, 64 <= line <= frame, open requests >= 1)");
      }
    }
  }

  public IngestSession(Deps deps, Principal principal) {
    this(deps, principal, true);
  }

  /**
   * @param timeScoped whether a line without a request id goes to the runner's only open
   *     request: true for a runner's stream; false for OTLP, whose exports are not a runner's
   *     timeline (a record naming a request must not pull the next records into it)
   */
  IngestSession(Deps deps, Principal principal, boolean timeScoped) {
    this.deps = deps;
    this.principal = principal;
    this.timeScoped = timeScoped;
  }

  /** Handles the first frame, which must be a Hello; returns the Welcome to send. */
  public Welcome hello(IngestFrame frame) {
    if (frame.getFrameCase() != IngestFrame.FrameCase.HELLO) {
      throw SluiceException.invalid("first frame: " + name(frame)
          + " (expected: hello, before any other frame)");
    }
    Hello h = frame.getHello();
    HelloCheck.check(h);
    IngestGrant grant = deps.access().authorizeIngest(principal, h.getApp());
    this.hello = h;
    this.account = grant.account();
    deps.policies().announce(account, grant.app(), h.getPrivateLogs());
    this.sessionKey = h.getSessionId().isEmpty() ? "" : grant.app() + "/" + h.getRunner() + "/" + h.getSessionId();
    this.baseLabels = Labels.newBuilder()
        .setAccount(account).setAppName(grant.app()).setAppId(h.getAppId())
        .setRunnerId(h.getRunner()).setJobId(h.getJob()).setNodeId(h.getNode())
        .setWorkerId(h.getWorker()).setVersion(h.getVersion())
        .setSource(h.getSource().isEmpty() ? "run" : h.getSource())
        .setIsolateSource(h.getIsolateSource()).build();
    this.noRequest = scope(Subjects.NO_REQUEST, "", "");
    // Keyed by account too: two accounts may well use the same app, runner and session id.
    this.open = deps.sessions().attach(sessionKey.isEmpty() ? "" : account + '\u0000' + sessionKey);
    this.lastSeq = sessionKey.isEmpty() ? 0 : deps.store().lastClientSeq(account, sessionKey);
    Limits c = deps.limits();
    return Welcome.newBuilder().setLastDurableSeq(lastSeq).setMaxFrameBytes(c.maxFrameBytes())
        .setMaxRecordsPerBatch(c.maxRecordsPerBatch()).setMaxLineBytes(c.maxLineBytes())
        .setAccount(account).build();
  }

  /**
   * Handles a frame after the Hello. Returns the Ack to send once the frame's records are
   * stored (and published). Throws {@link SluiceException} for a frame that breaks the
   * protocol; the caller ends the stream with its status.
   */
  public Future<Ack> frame(IngestFrame frame) {
    return switch (frame.getFrameCase()) {
      case BATCH -> batch(RawBatch.of(frame.getBatch()));
      case REQUEST_START -> requestStart(frame.getRequestStart());
      case REQUEST_END -> requestEnd(frame.getRequestEnd());
      case HELLO -> throw SluiceException.invalid("hello: sent twice (expected: only as the first frame)");
      case FRAME_NOT_SET -> throw SluiceException.invalid(
          "frame: empty (expected: one of hello, batch, request_start, request_end)");
    };
  }

  /** Handles a batch frame read straight off the wire; see {@link #frame}. */
  public Future<Ack> batch(RawBatch batch) {
    int max = deps.limits().maxRecordsPerBatch();
    int count = batch.count();
    if (count > max) {
      throw SluiceException.exhausted("batch: " + count
          + " lines (expected: at most " + max + " per batch; split it)");
    }
    long first = batch.firstSeq() == 0 ? lastSeq + 1 : batch.firstSeq();
    long now = System.currentTimeMillis() * 1_000_000L;
    // Lines at or below lastSeq are resends of what is already stored.
    int from = (int) Math.max(0, Math.min(count, lastSeq - first + 1));
    LogLine[] parsed = new LogLine[count]; // lines that are more than plain, parsed once
    Shedding.Costs costs = shedding.costs(batch, from, parsed, deps.limits().maxLineBytes());
    int[] quota = deps.limiter().admit(account, costs.lines(), costs.bytes());
    List<Draft> drafts = new ArrayList<>(count - from + 1);
    int split = 0;
    long shedNow = 0;
    for (int i = from; i < count; i++) {
      int level = Shedding.levelOf(batch, i, parsed);
      if (quota[level]-- > 0) {
        split += parsed[i] == null ? addPlainLine(batch, i, now, drafts)
            : addLine(parsed[i], now, drafts);
      } else {
        shedding.shed(level);
        shedNow++;
      }
    }
    if (shedNow > 0) {
      deps.limiter().countShed(account, shedNow);
    }
    shedding.marker(now, false, noRequest, drafts);
    long frameLast = first + count - 1;
    return store(drafts, Math.max(lastSeq, frameLast), split);
  }

  /** Lines shed over the session's life. */
  long shedTotal() {
    return shedding.total();
  }

  /** Lines shed and not yet told in a SHED record. */
  public long shedPending() {
    return shedding.pending();
  }

  /**
   * Stores a SHED record for the lines shed and not yet told (on its own: no runner progress
   * moves), so none goes untold: when the session ends, or when it went quiet after shedding.
   * Completes at once when there is nothing to tell.
   */
  public Future<Void> flushShed() {
    if (account == null || shedding.pending() == 0) {
      return Future.succeededFuture();
    }
    List<Draft> marker = new ArrayList<>(1);
    shedding.marker(System.currentTimeMillis() * 1_000_000L, true, noRequest, marker);
    return deps.store().appendDrafts(account, "", 0, marker).mapEmpty();
  }

  /**
   * The common line (time, level, stream, message, request id; no longer than a line may
   * be): its record's bytes straight from the frame's bytes and the request's encoded subject
   * and labels, with no Record or String made on the way.
   */
  private int addPlainLine(RawBatch batch, int i, long now, List<Draft> drafts) {
    RequestScope scope = scopeOf(batch, i);
    long time = batch.time(i) == 0 ? now : batch.time(i);
    int level = batch.level(i) == Level.LEVEL_UNSPECIFIED_VALUE ? Level.INFO_VALUE
        : batch.level(i);
    int stream = batch.stream(i) == Stream.STREAM_UNSPECIFIED_VALUE ? Stream.STDOUT_VALUE
        : batch.stream(i);
    byte[] bytes = batch.bytes();
    int offset = batch.messageOffset(i);
    int length = batch.messageLength(i);
    // Encoded by the store, once, when the sequence number is known: the frame's bytes are
    // still there then (the store encodes before append returns).
    drafts.add(new RoutedDraft(scope, time,
        seq -> LineBytes.encode(seq, scope, RecordKind.LINE_VALUE, time, level, stream, bytes,
            offset, length, now)));
    return 0;
  }

  /** Any other line: fields, trace ids, unknown values, or a message to split. */
  private int addLine(LogLine line, long now, List<Draft> drafts) {
    RequestScope scope = scopeOf(line.getRequestId());
    HelloCheck.text("line.trace_id", line.getTraceId());
    HelloCheck.text("line.span_id", line.getSpanId());
    long time = line.getTimeUnixNano() == 0 ? now : line.getTimeUnixNano();
    Level level = Shedding.level(line);
    Stream stream = line.getStream() == Stream.STREAM_UNSPECIFIED ? Stream.STDOUT : line.getStream();
    Record.Builder b = Record.newBuilder()
        .setSubject(scope.subject()).setKind(RecordKind.LINE).setTimeUnixNano(time)
        .setLevel(level).setStream(stream).setTraceId(line.getTraceId())
        .setSpanId(line.getSpanId()).setLabels(scope.labels()).setIngestTimeUnixNano(now);
    if (line.getFieldsCount() > 0) {
      b.putAllFields(line.getFieldsMap()); // an empty map would still cost two objects
    }
    byte[] message = line.getMessage().getBytes(StandardCharsets.UTF_8);
    if (message.length <= deps.limits().maxLineBytes()) {
      drafts.add(Draft.of(b.setMessage(line.getMessage()).build()));
      return 0;
    }
    List<String> parts = LineSplitter.split(line.getMessage(), deps.limits().maxLineBytes());
    for (int p = 0; p < parts.size(); p++) {
      drafts.add(Draft.of(b.setMessage(parts.get(p)).setPart(p + 1).setParts(parts.size()).build()));
      b.clearFields(); // the fields go with part 1 only, not copied into every part
    }
    return parts.size() > 1 ? 1 : 0;
  }

  /** Line {@code i}'s request, found from the frame's bytes when it is cached. */
  private RequestScope scopeOf(RawBatch batch, int i) {
    int length = batch.requestIdLength(i);
    if (length == 0) {
      return scopeOf("");
    }
    long version = open.version(); // read before the lookup: a change after it is seen next time
    RequestScope cached = scopes.get(version, batch.bytes(), batch.requestIdOffset(i), length);
    if (cached != null) {
      return cached;
    }
    String requestId = batch.requestId(i);
    RequestScope scope = open.get(Subjects.token("line.request_id", requestId));
    if (scope == null) {
      return reopened(requestId, timeScoped);
    }
    scopes.put(version, open.size(), scope);
    return scope;
  }

  private RequestScope scopeOf(String requestId) {
    if (!requestId.isEmpty()) {
      RequestScope scope = open.get(Subjects.token("line.request_id", requestId));
      return scope != null ? scope : reopened(requestId, timeScoped);
    }
    RequestScope only = timeScoped ? open.only() : null;
    return only != null ? only : noRequest;
  }

  private Future<Ack> requestStart(RequestStart start) {
    String id = Subjects.token("request_start.request_id", start.getRequestId());
    HelloCheck.text("request_start.endpoint", start.getEndpoint());
    HelloCheck.text("request_start.caller", start.getCaller());
    long seq = eventSeq(start.getSeq());
    if (seq <= lastSeq) {
      return store(List.of(), lastSeq, 0);
    }
    if (open.get(id) == null && open.size() >= deps.limits().maxOpenRequestsPerRunner()) {
      throw SluiceException.exhausted("request_start: " + open.size() + " requests already open "
          + "on this runner (expected: at most " + deps.limits().maxOpenRequestsPerRunner() + ")");
    }
    RequestScope scope = scope(id, start.getEndpoint(), start.getCaller());
    open.put(scope);
    Record event = event(scope, RecordKind.REQUEST_START, start.getTimeUnixNano(),
        "request " + id + " started",
        RequestInfo.newBuilder().setCaller(start.getCaller()).build(), Level.INFO);
    return store(List.of(Draft.of(event)), seq, 0);
  }

  private Future<Ack> requestEnd(RequestEnd end) {
    String id = Subjects.token("request_end.request_id", end.getRequestId());
    HelloCheck.text("request_end.status_message", end.getStatusMessage());
    long seq = eventSeq(end.getSeq());
    if (seq <= lastSeq) {
      return store(List.of(), lastSeq, 0);
    }
    // An end for a request this broker never saw open (it started before a broker restart)
    // is still recorded: the state change matters more than the bookkeeping.
    RequestScope scope = open.remove(id);
    if (scope == null) {
      scope = reopened(id, false);
    }
    Record event = event(scope, RecordKind.REQUEST_END, end.getTimeUnixNano(),
        "request " + id + " ended: " + end.getStatus().name()
            + (end.getStatusMessage().isEmpty() ? "" : " (" + end.getStatusMessage() + ")"),
        RequestInfo.newBuilder().setStatus(end.getStatus())
            .setStatusMessage(end.getStatusMessage()).build(), Level.INFO);
    return store(List.of(Draft.of(event)), seq, 0);
  }

  private long eventSeq(long seq) {
    return seq == 0 ? lastSeq + 1 : seq;
  }

  private Record event(RequestScope scope, RecordKind kind, long time, String message,
      RequestInfo info, Level level) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return Record.newBuilder().setSubject(scope.subject()).setKind(kind)
        .setTimeUnixNano(time == 0 ? now : time).setLevel(level).setStream(Stream.STRUCTURED)
        .setMessage(message).setLabels(scope.labels()).setRequest(info)
        .setIngestTimeUnixNano(now).build();
  }

  /**
   * A request this session has not seen start: it started before a broker restart (or on an
   * earlier connection). The store's request index still knows its caller and endpoint, so
   * its lines keep them, and the caller keeps seeing them; a request the store does not know
   * gets neither.
   */
  private RequestScope reopened(String requestId, boolean keepOpen) {
    LogStore.RequestSpan known = deps.store().request(account, baseLabels.getAppName(), requestId)
        .filter(span -> span.endSeq() == 0).orElse(null);
    if (known == null) {
      return scope(requestId, "", "");
    }
    RequestScope scope = scope(requestId, known.endpoint(), known.caller());
    if (keepOpen && open.size() < deps.limits().maxOpenRequestsPerRunner()) {
      open.put(scope);
    }
    return scope;
  }

  private RequestScope scope(String requestId, String endpoint, String caller) {
    Labels labels = baseLabels.toBuilder().setRequestId(requestId).setEndpoint(endpoint)
        .setCaller(caller).build();
    return RequestScope.of(requestId,
        Subjects.subject(baseLabels.getAppName(), hello.getRunner(), requestId), labels);
  }

  private Future<Ack> store(List<Draft> drafts, long clientSeq, int splitLines) {
    lastSeq = Math.max(lastSeq, clientSeq);
    Ack.Builder ack = Ack.newBuilder().setSeq(clientSeq).setSplitLines(splitLines);
    if (drafts.isEmpty() && sessionKey.isEmpty()) {
      return Future.succeededFuture(ack.setBrokerSeq(deps.store().lastSeq(account)).build());
    }
    if (drafts.isEmpty()) {
      // Nothing to store (all shed, or resent), but the session's progress is: a reconnecting
      // runner must not be told less than it was acked.
      return deps.store().appendDrafts(account, sessionKey, clientSeq, drafts)
          .map(none -> ack.setBrokerSeq(deps.store().lastSeq(account)).build());
    }
    // The store hands the records to the subscribers itself, in sequence order.
    return deps.store().appendDrafts(account, sessionKey, clientSeq, drafts)
        .map(stored -> ack.setBrokerSeq(stored.get(stored.size() - 1).seq()).build());
  }

  private static String name(IngestFrame frame) {
    return frame.getFrameCase() == IngestFrame.FrameCase.FRAME_NOT_SET ? "empty"
        : frame.getFrameCase().name().toLowerCase(java.util.Locale.ROOT);
  }
}
