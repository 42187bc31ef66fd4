package dev.sluice.broker.ingest;

import dev.sluice.broker.store.Draft;
import dev.sluice.broker.subject.Router;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An open request on a runner: its id, subject, and the labels its lines carry; with the
 * subject and labels already encoded as Record fields, because every line of the request
 * repeats them and encoding them per line was a fifth of the broker's ingest time, and the
 * store index's keys of those labels ({@link Draft#indexKeys(Labels)}) for the same reason.
 */
record RequestScope(String requestId, String subject, Labels labels, byte[] subjectField,
    byte[] labelsField, long indexKeys, int requestIdBytes, Router.Memo routeMemo) {

  static RequestScope of(String requestId, String subject, Labels labels) {
    return new RequestScope(requestId, subject, labels,
        WireWriter.stringField(Tags.RECORD_SUBJECT, subject.getBytes(StandardCharsets.UTF_8)),
        WireWriter.messageField(Tags.RECORD_LABELS, labels.toByteArray()), Draft.indexKeys(labels),
        requestId.getBytes(StandardCharsets.UTF_8).length,
        new Router.Memo(labels.getAccount(), subject));
  }

  /**
   * True if this scope's request id is {@code bytes[offset, offset + length)}: read off the
   * end of {@link #subjectField()}, where a request's subject ({@code app.runner.request})
   * ends with it, so finding a line's request touches only what encoding the line reads
   * anyway. Only for a scope that answers true for its own id ({@link ScopeCache} caches no
   * other).
   */
  boolean hasId(byte[] bytes, int offset, int length) {
    int end = subjectField.length;
    return length == requestIdBytes && length <= end
        && Arrays.equals(subjectField, end - length, end, bytes, offset, offset + length);
  }
}
