package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Writes a record's JSON from its protobuf bytes: the same object, field for field, as
 * {@link RecordJson#write} makes from a parsed {@code Record} (a test holds them equal), but
 * strings go from the wire's UTF-8 to JSON's UTF-8 without becoming Java strings. One instance
 * per thread (it keeps where each field of the current record lies).
 */
final class WireJson {
  // Record's fields by number: the numbers index the arrays below.
  private static final int SEQ = Record.SEQ_FIELD_NUMBER;
  private static final int CURSOR = Record.CURSOR_FIELD_NUMBER;
  private static final int SUBJECT = Record.SUBJECT_FIELD_NUMBER;
  private static final int KIND = Record.KIND_FIELD_NUMBER;
  private static final int TIME = Record.TIME_UNIX_NANO_FIELD_NUMBER;
  private static final int LEVEL = Record.LEVEL_FIELD_NUMBER;
  private static final int STREAM = Record.STREAM_FIELD_NUMBER;
  private static final int MESSAGE = Record.MESSAGE_FIELD_NUMBER;
  private static final int TRACE_ID = Record.TRACE_ID_FIELD_NUMBER;
  private static final int SPAN_ID = Record.SPAN_ID_FIELD_NUMBER;
  private static final int PART = Record.PART_FIELD_NUMBER;
  private static final int PARTS = Record.PARTS_FIELD_NUMBER;
  private static final int RECORD_SLOTS = slots(Record.getDescriptor());
  // Labels: by field number, in the order drains write them; the JSON names are the fields'.
  private static final int[] LABEL_ORDER = {Labels.APP_NAME_FIELD_NUMBER,
      Labels.APP_ID_FIELD_NUMBER, Labels.REQUEST_ID_FIELD_NUMBER, Labels.JOB_ID_FIELD_NUMBER,
      Labels.ENDPOINT_FIELD_NUMBER, Labels.NODE_ID_FIELD_NUMBER, Labels.WORKER_ID_FIELD_NUMBER,
      Labels.SOURCE_FIELD_NUMBER, Labels.ISOLATE_SOURCE_FIELD_NUMBER,
      Labels.VERSION_FIELD_NUMBER, Labels.RUNNER_ID_FIELD_NUMBER};
  private static final int LABEL_SLOTS = slots(Labels.getDescriptor());
  private static final String[] LABEL_NAMES = new String[LABEL_SLOTS];
  private static final ThreadLocal<WireJson> LOCAL = ThreadLocal.withInitial(WireJson::new);

  static {
    for (int label : LABEL_ORDER) {
      LABEL_NAMES[label] = Labels.getDescriptor().findFieldByNumber(label).getName();
    }
  }

  private final WireReader in = new WireReader();
  private byte[] buf;
  private final long[] numbers = new long[RECORD_SLOTS];
  // Offset of a length-delimited field's bytes; -1: none.
  private final int[] at = new int[RECORD_SLOTS];
  private final int[] len = new int[RECORD_SLOTS];
  private final int[] labelAt = new int[LABEL_SLOTS];
  private final int[] labelLen = new int[LABEL_SLOTS];
  private int[] fieldAt = new int[32]; // key offset, key length, value offset, value length
  private int fields;
  private int callerAt;
  private int callerLen;
  private int statusMessageAt;
  private int statusMessageLen;
  private int status;
  private boolean hasRequest;

  static WireJson local() {
    return LOCAL.get();
  }

  /** One more than the highest field number of {@code type}: an array indexed by number. */
  private static int slots(Descriptor type) {
    int highest = 0;
    for (FieldDescriptor field : type.getFields()) {
      highest = Math.max(highest, field.getNumber());
    }
    return highest + 1;
  }

  /** Reads the record in {@code bytes[offset, offset + length)}; returns its cursor, encoded. */
  String read(byte[] bytes, int offset, int length) throws IOException {
    buf = bytes;
    Arrays.fill(numbers, 0);
    Arrays.fill(at, -1);
    Arrays.fill(len, 0);
    Arrays.fill(labelAt, -1);
    fields = 0;
    hasRequest = false;
    // Offsets too, not only lengths: an empty string is still written from (buf, at, 0), and
    // an offset left from a longer earlier message lies outside this one's bytes.
    callerAt = 0;
    callerLen = 0;
    statusMessageAt = 0;
    statusMessageLen = 0;
    status = 0;
    WireReader in = this.in.reset(bytes, offset, offset + length);
    while (!in.atEnd()) {
      int tag = in.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      int type = WireFormat.getTagWireType(tag);
      if (field < RECORD_SLOTS && type == WireFormat.WIRETYPE_VARINT) {
        numbers[field] = in.readVarint();
      } else if (field < RECORD_SLOTS && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int n = in.readLength();
        switch (tag) {
          case Tags.RECORD_FIELDS -> entry(n);
          case Tags.RECORD_LABELS -> labels(n);
          case Tags.RECORD_REQUEST -> request(n);
          default -> {
            at[field] = in.position();
            len[field] = n;
            in.skip(n);
          }
        }
      } else {
        in.skipField(tag);
      }
    }
    return at[CURSOR] < 0 ? "" : new String(Base64.getUrlEncoder().withoutPadding().encode(
        Arrays.copyOfRange(bytes, at[CURSOR], at[CURSOR] + len[CURSOR])),
        StandardCharsets.ISO_8859_1);
  }

  /** Writes the record last {@link #read} as JSON, {@code cursor} being what it returned. */
  void write(JsonGenerator json, String cursor) throws IOException {
    json.writeStartObject();
    json.writeFieldName("timestamp");
    char[] time = Timestamps.local().format(numbers[TIME]);
    json.writeString(time, 0, time.length);
    json.writeFieldName("message");
    string(json, MESSAGE);
    json.writeFieldName("level");
    json.writeString(RecordJson.levelName((int) numbers[LEVEL]));
    for (int label : LABEL_ORDER) {
      if (labelAt[label] >= 0 && labelLen[label] > 0) {
        json.writeFieldName(LABEL_NAMES[label]);
        json.writeUTF8String(buf, labelAt[label], labelLen[label]);
      }
    }
    optional(json, "trace_id", TRACE_ID);
    optional(json, "span_id", SPAN_ID);
    if (fields > 0) {
      json.writeFieldName("fields");
      json.writeStartObject();
      for (int i = 0; i < fields; i++) {
        int f = i * 4;
        json.writeFieldName(new String(buf, fieldAt[f], fieldAt[f + 1], StandardCharsets.UTF_8));
        json.writeUTF8String(buf, fieldAt[f + 2], fieldAt[f + 3]);
      }
      json.writeEndObject();
    }
    json.writeFieldName("subject");
    string(json, SUBJECT);
    json.writeFieldName("seq");
    json.writeNumber(numbers[SEQ]); // uint64: sequence numbers stay far below 2^63
    json.writeFieldName("cursor");
    json.writeString(cursor);
    json.writeFieldName("kind");
    json.writeString(RecordJson.kindName((int) numbers[KIND]));
    json.writeFieldName("stream");
    json.writeString(RecordJson.streamName((int) numbers[STREAM]));
    if ((int) numbers[PARTS] > 0) { // uint32: an int, as protobuf reads it (2^32 - 1 is -1)
      json.writeNumberField("part", (int) numbers[PART]);
      json.writeNumberField("parts", (int) numbers[PARTS]);
    }
    if (hasRequest) {
      if (callerLen > 0) {
        json.writeFieldName("caller");
        json.writeUTF8String(buf, callerAt, callerLen);
      }
      if (numbers[KIND] == RecordKind.REQUEST_END_VALUE) {
        json.writeStringField("status", RequestsApi.result(
            dev.sluice.proto.v1.RequestStatus.forNumber(status) == null
                ? dev.sluice.proto.v1.RequestStatus.REQUEST_STATUS_UNSPECIFIED
                : dev.sluice.proto.v1.RequestStatus.forNumber(status)));
        json.writeFieldName("status_message");
        json.writeUTF8String(buf, statusMessageAt, statusMessageLen);
      }
    }
    json.writeEndObject();
  }

  private void string(JsonGenerator json, int field) throws IOException {
    if (at[field] < 0) {
      json.writeString("");
    } else {
      json.writeUTF8String(buf, at[field], len[field]);
    }
  }

  private void optional(JsonGenerator json, String name, int field) throws IOException {
    if (at[field] >= 0 && len[field] > 0) {
      json.writeFieldName(name);
      json.writeUTF8String(buf, at[field], len[field]);
    }
  }

  /** A {@code fields} map entry of {@code length} bytes. A later entry of the same key wins. */
  private void entry(int length) throws IOException {
    int outer = in.enter(length);
    int keyAt = in.position();
    int keyLen = 0;
    int valueAt = keyAt;
    int valueLen = 0;
    while (!in.atEnd()) {
      int tag = in.readTag();
      if (tag == Tags.MAP_KEY) {
        keyLen = in.readLength();
        keyAt = in.position();
        in.skip(keyLen);
      } else if (tag == Tags.MAP_VALUE) {
        valueLen = in.readLength();
        valueAt = in.position();
        in.skip(valueLen);
      } else {
        in.skipField(tag);
      }
    }
    in.exit(outer);
    for (int i = 0; i < fields; i++) {
      int f = i * 4;
      if (fieldAt[f + 1] == keyLen
          && Arrays.equals(buf, fieldAt[f], fieldAt[f] + keyLen, buf, keyAt, keyAt + keyLen)) {
        fieldAt[f + 2] = valueAt;
        fieldAt[f + 3] = valueLen;
        return;
      }
    }
    if ((fields + 1) * 4 > fieldAt.length) {
      fieldAt = Arrays.copyOf(fieldAt, fieldAt.length * 2);
    }
    int f = fields++ * 4;
    fieldAt[f] = keyAt;
    fieldAt[f + 1] = keyLen;
    fieldAt[f + 2] = valueAt;
    fieldAt[f + 3] = valueLen;
  }

  private void labels(int length) throws IOException {
    int outer = in.enter(length);
    while (!in.atEnd()) {
      int tag = in.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      if (field < LABEL_SLOTS
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        labelLen[field] = in.readLength();
        labelAt[field] = in.position();
        in.skip(labelLen[field]);
      } else {
        in.skipField(tag);
      }
    }
    in.exit(outer);
  }

  private void request(int length) throws IOException {
    hasRequest = true;
    int outer = in.enter(length);
    while (!in.atEnd()) {
      int tag = in.readTag();
      switch (tag) {
        case Tags.REQUEST_STATUS -> status = (int) in.readVarint();
        case Tags.REQUEST_CALLER -> {
          callerLen = in.readLength();
          callerAt = in.position();
          in.skip(callerLen);
        }
        case Tags.REQUEST_STATUS_MESSAGE -> {
          statusMessageLen = in.readLength();
          statusMessageAt = in.position();
          in.skip(statusMessageLen);
        }
        default -> in.skipField(tag);
      }
    }
    in.exit(outer);
  }
}
