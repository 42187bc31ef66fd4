package dev.sluice.broker.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestStatus;
import java.util.Optional;

/**
 * Where each request's records lie: its first sequence, and once it ended, its last one and
 * status. Bounded: it keeps the most recently active {@code capacity} requests (about 120
 * bytes each); older ones are forgotten and the request view answers NOT_FOUND for them.
 */
final class RequestIndex {
  private final Cache<String, Span> spans;

  private static final class Span {
    final long firstSeq;
    final String caller;
    final String endpoint;
    volatile long endSeq;
    volatile RequestStatus status = RequestStatus.REQUEST_STATUS_UNSPECIFIED;

    Span(long firstSeq, String caller, String endpoint) {
      this.firstSeq = firstSeq;
      this.caller = caller;
      this.endpoint = endpoint;
    }
  }

  RequestIndex(int capacity) {
    spans = Caffeine.newBuilder().maximumSize(capacity).build();
  }

  private static String key(String account, String app, String request) {
    return account + '\u0000' + app + '\u0000' + request;
  }

  /**
   * Notes a stored record; call in sequence order. Only a request's start and end change the
   * index: lines cost nothing here (this runs for every record on the ingest path).
   */
  void observe(String account, long seq, Record record) {
    RecordKind kind = record.getKind();
    if (kind != RecordKind.REQUEST_START && kind != RecordKind.REQUEST_END) {
      return;
    }
    String request = record.getLabels().getRequestId();
    if (request.isEmpty()) {
      return;
    }
    String key = key(account, record.getLabels().getAppName(), request);
    Span span;
    if (kind == RecordKind.REQUEST_START) {
      // A new start (a retry reusing the id) begins a new span: the view shows the newest run.
      span = new Span(seq, record.getLabels().getCaller(), record.getLabels().getEndpoint());
      spans.put(key, span);
    } else {
      // An end whose start the index no longer (or never) had: the request still ended.
      span = spans.get(key, k -> new Span(seq, record.getLabels().getCaller(),
          record.getLabels().getEndpoint()));
      span.status = record.getRequest().getStatus();
      span.endSeq = seq;
    }
  }

  Optional<RequestSpan> get(String account, String app, String request) {
    Span span = spans.getIfPresent(key(account, app, request));
    return span == null ? Optional.empty()
        : Optional.of(new RequestSpan(span.firstSeq, span.endSeq, span.status, span.caller,
            span.endpoint));
  }
}
