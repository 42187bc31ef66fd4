package dev.sluice.broker.ingest;

import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireWriter;

/**
 * Encodes a plain line's stored Record (no fields, trace ids or parts) straight from its
 * parts: seq and cursor, the request's subject and labels spliced in from
 * {@link RequestScope}, and the message's bytes from wherever they arrived. The bytes are
 * exactly what protobuf writes for the same record (fields in number order, defaults left
 * out), so stored, replayed and re-encoded records stay byte for byte the same.
 */
final class LineBytes {
  private LineBytes() {}

  /** The record with sequence {@code seq}; its message is {@code bytes[offset, offset + length)}. */
  static byte[] encode(long seq, RequestScope scope, int kind, long time, int level, int stream,
      byte[] bytes, int offset, int length, long ingestTime) {
    byte[] subject = scope.subjectField();
    byte[] labels = scope.labelsField();
    int size = StoredRecord.prefixSize(seq) + subject.length + labels.length
        + WireWriter.varintFieldSize(Tags.RECORD_KIND, kind)
        + WireWriter.varintFieldSize(Tags.RECORD_TIME, time)
        + WireWriter.varintFieldSize(Tags.RECORD_LEVEL, level)
        + WireWriter.varintFieldSize(Tags.RECORD_STREAM, stream)
        + WireWriter.stringFieldSize(Tags.RECORD_MESSAGE, length)
        + WireWriter.varintFieldSize(Tags.RECORD_INGEST_TIME, ingestTime);
    byte[] out = new byte[size];
    int at = StoredRecord.prefix(seq, out, 0);
    System.arraycopy(subject, 0, out, at, subject.length);
    at += subject.length;
    at = WireWriter.varintField(Tags.RECORD_KIND, kind, out, at);
    at = WireWriter.varintField(Tags.RECORD_TIME, time, out, at);
    at = WireWriter.varintField(Tags.RECORD_LEVEL, level, out, at);
    at = WireWriter.varintField(Tags.RECORD_STREAM, stream, out, at);
    at = WireWriter.stringField(Tags.RECORD_MESSAGE, bytes, offset, length, out, at);
    System.arraycopy(labels, 0, out, at, labels.length);
    at += labels.length;
    at = WireWriter.varintField(Tags.RECORD_INGEST_TIME, ingestTime, out, at);
    if (at != size) {
      throw new IllegalStateException("encoded " + at + " of " + size + " bytes");
    }
    return out;
  }
}
