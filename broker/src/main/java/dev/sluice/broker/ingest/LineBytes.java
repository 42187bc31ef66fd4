package dev.sluice.broker.ingest;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.wire.Varints;
import dev.sluice.proto.v1.Record;

/**
 * Encodes a plain line's stored Record (no fields, trace ids or parts) straight from its
 * parts: seq and cursor, the request's subject and labels spliced in from
 * {@link RequestScope}, and the message's bytes from wherever they arrived. The bytes are
 * exactly what protobuf writes for the same record (fields in number order, defaults left
 * out), so stored, replayed and re-encoded records stay byte for byte the same.
 */
final class LineBytes {
  private static final int KIND_TAG = Record.KIND_FIELD_NUMBER << 3;
  private static final int TIME_TAG = Record.TIME_UNIX_NANO_FIELD_NUMBER << 3;
  private static final int LEVEL_TAG = Record.LEVEL_FIELD_NUMBER << 3;
  private static final int STREAM_TAG = Record.STREAM_FIELD_NUMBER << 3;
  private static final int MESSAGE_TAG = Record.MESSAGE_FIELD_NUMBER << 3 | 2;
  private static final int INGEST_TIME_TAG = Record.INGEST_TIME_UNIX_NANO_FIELD_NUMBER << 3;

  private LineBytes() {}

  /** The record with sequence {@code seq}; its message is {@code bytes[offset, offset + length)}. */
  static byte[] encode(long seq, RequestScope scope, int kind, long time, int level, int stream,
      byte[] bytes, int offset, int length, long ingestTime) {
    byte[] subject = scope.subjectField();
    byte[] labels = scope.labelsField();
    int size = StoredRecord.prefixSize(seq) + subject.length + labels.length
        + (kind == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(kind))
        + (time == 0 ? 0 : 1 + CodedOutputStream.computeUInt64SizeNoTag(time))
        + (level == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(level))
        + (stream == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(stream))
        + (length == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length)
        + (ingestTime == 0 ? 0 : 2 + CodedOutputStream.computeUInt64SizeNoTag(ingestTime));
    byte[] out = new byte[size];
    int at = StoredRecord.prefix(seq, out, 0);
    System.arraycopy(subject, 0, out, at, subject.length);
    at += subject.length;
    at = field(KIND_TAG, kind, out, at);
    at = field(TIME_TAG, time, out, at);
    at = field(LEVEL_TAG, level, out, at);
    at = field(STREAM_TAG, stream, out, at);
    if (length > 0) {
      out[at++] = MESSAGE_TAG;
      at = Varints.write(length, out, at);
      System.arraycopy(bytes, offset, out, at, length);
      at += length;
    }
    System.arraycopy(labels, 0, out, at, labels.length);
    at += labels.length;
    if (ingestTime != 0) {
      at = Varints.write(INGEST_TIME_TAG, out, at); // field 16: a two-byte tag
      at = Varints.write(ingestTime, out, at);
    }
    if (at != size) {
      throw new IllegalStateException("encoded " + at + " of " + size + " bytes");
    }
    return out;
  }

  /** A one-byte-tag varint field, left out when it is zero (proto3's default). */
  private static int field(int tag, long value, byte[] out, int at) {
    if (value == 0) {
      return at;
    }
    out[at++] = (byte) tag;
    return Varints.write(value, out, at);
  }
}
