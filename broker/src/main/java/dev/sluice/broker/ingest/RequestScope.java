package dev.sluice.broker.ingest;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.broker.store.Draft;
import dev.sluice.broker.subject.Router;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
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
        field(Record.SUBJECT_FIELD_NUMBER, subject.getBytes(StandardCharsets.UTF_8)),
        field(Record.LABELS_FIELD_NUMBER, labels.toByteArray()), Draft.indexKeys(labels),
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

  private static byte[] field(int number, byte[] value) {
    int tag = number << 3 | 2;
    byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(tag)
        + CodedOutputStream.computeUInt32SizeNoTag(value.length) + value.length];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeUInt32NoTag(tag);
      coded.writeUInt32NoTag(value.length);
      coded.writeRawBytes(value);
      coded.checkNoSpaceLeft();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }
}
