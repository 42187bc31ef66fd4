package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
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
  // Record (record.proto)
  private static final int SEQ = 1;
  private static final int CURSOR = 2;
  private static final int SUBJECT = 3;
  private static final int KIND = 4;
  private static final int TIME = 5;
  private static final int LEVEL = 6;
  private static final int STREAM = 7;
  private static final int MESSAGE = 8;
  private static final int FIELDS = 9;
  private static final int TRACE_ID = 10;
  private static final int SPAN_ID = 11;
  private static final int LABELS = 12;
  private static final int REQUEST = 13;
  private static final int PART = 14;
  private static final int PARTS = 15;
  private static final int LAST = 16;
  // Labels: the JSON names by field number, in the order drains write them.
  private static final int[] LABEL_ORDER = {2, 3, 5, 6, 7, 8, 9, 11, 12, 10, 4};
  private static final String[] LABEL_NAMES = new String[14];
  private static final int REQUEST_END = 2;
  private static final ThreadLocal<WireJson> LOCAL = ThreadLocal.withInitial(WireJson::new);

  static {
    LABEL_NAMES[2] = "app_name";
    LABEL_NAMES[3] = "app_id";
    LABEL_NAMES[4] = "runner_id";
    LABEL_NAMES[5] = "request_id";
    LABEL_NAMES[6] = "job_id";
    LABEL_NAMES[7] = "endpoint";
    LABEL_NAMES[8] = "node_id";
    LABEL_NAMES[9] = "worker_id";
    LABEL_NAMES[10] = "version";
    LABEL_NAMES[11] = "source";
    LABEL_NAMES[12] = "isolate_source";
  }

  private byte[] buf;
  private final long[] numbers = new long[LAST];
  private final int[] at = new int[LAST]; // offset of a length-delimited field's bytes; -1: none
  private final int[] len = new int[LAST];
  private final int[] labelAt = new int[14];
  private final int[] labelLen = new int[14];
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
    CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      int type = WireFormat.getTagWireType(tag);
      if (field < LAST && type == WireFormat.WIRETYPE_VARINT) {
        numbers[field] = in.readRawVarint64();
      } else if (field < LAST && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int n = in.readRawVarint32();
        int start = offset + in.getTotalBytesRead();
        switch (field) {
          case FIELDS -> entry(start, n);
          case LABELS -> labels(start, n);
          case REQUEST -> request(start, n);
          default -> {
            at[field] = start;
            len[field] = n;
          }
        }
        in.skipRawBytes(n);
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
    if (numbers[PARTS] > 0) {
      json.writeNumberField("part", (int) numbers[PART]);
      json.writeNumberField("parts", (int) numbers[PARTS]);
    }
    if (hasRequest) {
      if (callerLen > 0) {
        json.writeFieldName("caller");
        json.writeUTF8String(buf, callerAt, callerLen);
      }
      if (numbers[KIND] == REQUEST_END) {
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

  /** A {@code fields} map entry: key = 1, value = 2. A later entry of the same key wins. */
  private void entry(int offset, int length) throws IOException {
    int keyAt = offset;
    int keyLen = 0;
    int valueAt = offset;
    int valueLen = 0;
    CodedInputStream in = CodedInputStream.newInstance(buf, offset, length);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED
          && (field == 1 || field == 2)) {
        int n = in.readRawVarint32();
        int start = offset + in.getTotalBytesRead();
        if (field == 1) {
          keyAt = start;
          keyLen = n;
        } else {
          valueAt = start;
          valueLen = n;
        }
        in.skipRawBytes(n);
      } else {
        in.skipField(tag);
      }
    }
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

  private void labels(int offset, int length) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(buf, offset, length);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (field < labelAt.length
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int n = in.readRawVarint32();
        labelAt[field] = offset + in.getTotalBytesRead();
        labelLen[field] = n;
        in.skipRawBytes(n);
      } else {
        in.skipField(tag);
      }
    }
  }

  private void request(int offset, int length) throws IOException {
    hasRequest = true;
    CodedInputStream in = CodedInputStream.newInstance(buf, offset, length);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      int type = WireFormat.getTagWireType(tag);
      if (field == 2 && type == WireFormat.WIRETYPE_VARINT) {
        status = in.readRawVarint32();
      } else if ((field == 1 || field == 3) && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int n = in.readRawVarint32();
        int start = offset + in.getTotalBytesRead();
        if (field == 1) {
          callerAt = start;
          callerLen = n;
        } else {
          statusMessageAt = start;
          statusMessageLen = n;
        }
        in.skipRawBytes(n);
      } else {
        in.skipField(tag);
      }
    }
  }
}
