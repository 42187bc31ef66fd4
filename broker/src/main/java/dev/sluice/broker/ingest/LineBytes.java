package dev.sluice.broker.ingest;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.proto.v1.Record;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes a plain line's Record (no fields, trace ids or parts) straight from its parts, with
 * the request's subject and labels spliced in from {@link RequestScope}. The bytes are exactly
 * what protobuf writes for the same draft (fields in number order, defaults left out), so
 * stored, replayed and re-encoded records stay byte for byte the same.
 */
final class LineBytes {
  private static final int MESSAGE_TAG = Record.MESSAGE_FIELD_NUMBER << 3 | 2;

  private LineBytes() {}

  static byte[] encode(RequestScope scope, int kind, long time, int level, int stream,
      byte[] message, long ingestTime) {
    return encode(scope, kind, time, level, stream, message, 0, message.length, ingestTime);
  }

  /** {@link #encode} with the message's UTF-8 bytes at {@code bytes[offset, offset + length)}. */
  static byte[] encode(RequestScope scope, int kind, long time, int level, int stream,
      byte[] bytes, int offset, int length, long ingestTime) {
    int size = scope.subjectField().length + scope.labelsField().length
        + (kind == 0 ? 0 : CodedOutputStream.computeEnumSize(Record.KIND_FIELD_NUMBER, kind))
        + (time == 0 ? 0 : CodedOutputStream.computeInt64Size(Record.TIME_UNIX_NANO_FIELD_NUMBER, time))
        + (level == 0 ? 0 : CodedOutputStream.computeEnumSize(Record.LEVEL_FIELD_NUMBER, level))
        + (stream == 0 ? 0 : CodedOutputStream.computeEnumSize(Record.STREAM_FIELD_NUMBER, stream))
        + (length == 0 ? 0 : CodedOutputStream.computeUInt32SizeNoTag(MESSAGE_TAG)
            + CodedOutputStream.computeUInt32SizeNoTag(length) + length)
        + (ingestTime == 0 ? 0 : CodedOutputStream.computeInt64Size(
            Record.INGEST_TIME_UNIX_NANO_FIELD_NUMBER, ingestTime));
    byte[] out = new byte[size];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeRawBytes(scope.subjectField());
      if (kind != 0) {
        coded.writeEnum(Record.KIND_FIELD_NUMBER, kind);
      }
      if (time != 0) {
        coded.writeInt64(Record.TIME_UNIX_NANO_FIELD_NUMBER, time);
      }
      if (level != 0) {
        coded.writeEnum(Record.LEVEL_FIELD_NUMBER, level);
      }
      if (stream != 0) {
        coded.writeEnum(Record.STREAM_FIELD_NUMBER, stream);
      }
      if (length > 0) {
        coded.writeUInt32NoTag(MESSAGE_TAG);
        coded.writeUInt32NoTag(length);
        coded.writeRawBytes(bytes, offset, length);
      }
      coded.writeRawBytes(scope.labelsField());
      if (ingestTime != 0) {
        coded.writeInt64(Record.INGEST_TIME_UNIX_NANO_FIELD_NUMBER, ingestTime);
      }
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
