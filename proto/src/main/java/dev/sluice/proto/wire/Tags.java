package dev.sluice.proto.wire;

import com.google.protobuf.WireFormat;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RequestInfo;
import dev.sluice.proto.v1.TailResponse;

/**
 * The tags (field number and wire type, the varint protobuf writes before a value) of the
 * fields that Sluice's hand-written codecs read or write. Each is built from the generated
 * {@code *_FIELD_NUMBER} constant, so the {@code .proto} files stay the one definition of the
 * numbers, and each is a compile-time constant: a codec switches on it, and the JIT sees a
 * literal. Public because the broker, the runner SDK and the gateway all use them.
 *
 * <pre>{@code
 * if (reader.readTag() == Tags.RECORD_MESSAGE) { int length = reader.readLength(); ... }
 * }</pre>
 */
public final class Tags {
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  /** Bits of the wire type below the field number (protobuf's TAG_TYPE_BITS, not public). */
  private static final int TYPE_BITS = 3;

  // IngestFrame: a runner's batch frame.
  public static final int FRAME_BATCH = IngestFrame.BATCH_FIELD_NUMBER << TYPE_BITS | LEN;

  // LogBatch
  public static final int BATCH_FIRST_SEQ = LogBatch.FIRST_SEQ_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int BATCH_LINES = LogBatch.LINES_FIELD_NUMBER << TYPE_BITS | LEN;

  // LogLine: what the runner writes and ingest reads of a plain line.
  public static final int LINE_TIME = LogLine.TIME_UNIX_NANO_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int LINE_LEVEL = LogLine.LEVEL_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int LINE_STREAM = LogLine.STREAM_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int LINE_MESSAGE = LogLine.MESSAGE_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int LINE_REQUEST_ID = LogLine.REQUEST_ID_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int LINE_TRACE_ID = LogLine.TRACE_ID_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int LINE_SPAN_ID = LogLine.SPAN_ID_FIELD_NUMBER << TYPE_BITS | LEN;

  // Record: what the store writes of a plain line, and subscribers read back.
  public static final int RECORD_SEQ = Record.SEQ_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int RECORD_CURSOR = Record.CURSOR_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int RECORD_SUBJECT = Record.SUBJECT_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int RECORD_KIND = Record.KIND_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int RECORD_TIME = Record.TIME_UNIX_NANO_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int RECORD_LEVEL = Record.LEVEL_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int RECORD_STREAM = Record.STREAM_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int RECORD_MESSAGE = Record.MESSAGE_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int RECORD_FIELDS = Record.FIELDS_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int RECORD_LABELS = Record.LABELS_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int RECORD_REQUEST = Record.REQUEST_FIELD_NUMBER << TYPE_BITS | LEN;
  /** Field 16: the one tag here that takes two bytes. */
  public static final int RECORD_INGEST_TIME =
      Record.INGEST_TIME_UNIX_NANO_FIELD_NUMBER << TYPE_BITS | VARINT;

  // RequestInfo, inside a request event's Record.
  public static final int REQUEST_CALLER = RequestInfo.CALLER_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int REQUEST_STATUS = RequestInfo.STATUS_FIELD_NUMBER << TYPE_BITS | VARINT;
  public static final int REQUEST_STATUS_MESSAGE =
      RequestInfo.STATUS_MESSAGE_FIELD_NUMBER << TYPE_BITS | LEN;

  // A map<string, string> entry (Record.fields). Protobuf's map encoding fixes these numbers
  // (an entry is a message {key = 1; value = 2}); no generated constant names them.
  public static final int MAP_KEY = 1 << TYPE_BITS | LEN;
  public static final int MAP_VALUE = 2 << TYPE_BITS | LEN;

  // TailResponse: the broker's tail messages.
  public static final int TAIL_RECORDS = TailResponse.RECORDS_FIELD_NUMBER << TYPE_BITS | LEN;
  public static final int TAIL_NOTICES = TailResponse.NOTICES_FIELD_NUMBER << TYPE_BITS | LEN;

  private Tags() {}
}
