package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.Stream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * Records and notices as JSON objects. A record has the field names of the broker's drains
 * ({@code timestamp}, {@code message}, {@code level}, the labels that have a value,
 * {@code fields}), so what a page or a script reads is what Datadog or Splunk receives, plus
 * what a reader needs beyond a drain: {@code subject}, {@code seq}, {@code cursor} (resume
 * after this record), {@code kind}, {@code stream}, split parts and request details.
 */
final class RecordJson {
  /**
   * Characters outside the BMP (emoji) as their UTF-8 bytes, not escaped surrogate pairs:
   * what the wire path ({@link WireJson}) writes too, and shorter.
   */
  static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
  private static final SerializableString TIMESTAMP = new SerializedString("timestamp");
  private static final SerializableString MESSAGE = new SerializedString("message");
  private static final SerializableString LEVEL = new SerializedString("level");
  private static final SerializableString APP_NAME = new SerializedString("app_name");
  private static final SerializableString APP_ID = new SerializedString("app_id");
  private static final SerializableString REQUEST_ID = new SerializedString("request_id");
  private static final SerializableString JOB_ID = new SerializedString("job_id");
  private static final SerializableString ENDPOINT = new SerializedString("endpoint");
  private static final SerializableString NODE_ID = new SerializedString("node_id");
  private static final SerializableString WORKER_ID = new SerializedString("worker_id");
  private static final SerializableString SOURCE = new SerializedString("source");
  private static final SerializableString ISOLATE_SOURCE =
      new SerializedString("isolate_source");
  private static final SerializableString VERSION = new SerializedString("version");
  private static final SerializableString RUNNER_ID = new SerializedString("runner_id");
  private static final SerializableString TRACE_ID = new SerializedString("trace_id");
  private static final SerializableString SPAN_ID = new SerializedString("span_id");
  private static final SerializableString FIELDS = new SerializedString("fields");
  private static final SerializableString SUBJECT = new SerializedString("subject");
  private static final SerializableString SEQ = new SerializedString("seq");
  private static final SerializableString CURSOR = new SerializedString("cursor");
  private static final SerializableString KIND = new SerializedString("kind");
  private static final SerializableString STREAM = new SerializedString("stream");
  private static final SerializableString CALLER = new SerializedString("caller");
  private static final SerializableString STATUS_MESSAGE =
      new SerializedString("status_message");
  /** By enum number: the names drains use (lower case); an unset level is stored as INFO. */
  private static final String[] LEVELS = names(Level.values(), Level.LEVEL_UNSPECIFIED, "info");
  private static final String[] KINDS = names(RecordKind.values(), null, null);
  private static final String[] STREAMS = names(Stream.values(), null, null);

  private RecordJson() {}

  /** A generator writing UTF-8 into {@code out}, with no separator between root values. */
  static JsonGenerator generator(java.io.OutputStream out) {
    try {
      JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8);
      json.setRootValueSeparator(null);
      return json;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory stream does not fail
    }
  }

  static void write(JsonGenerator json, Record r) throws IOException {
    write(json, r, Cursors.encode(r.getCursor()));
  }

  /**
   * Writes {@code r} with its cursor already encoded (an SSE event names it twice). Field
   * names are pre-encoded: this runs once per record on every tail.
   */
  static void write(JsonGenerator json, Record r, String cursor) throws IOException {
    json.writeStartObject();
    json.writeFieldName(TIMESTAMP);
    char[] time = Timestamps.local().format(r.getTimeUnixNano());
    json.writeString(time, 0, time.length);
    json.writeFieldName(MESSAGE);
    json.writeString(r.getMessage());
    json.writeFieldName(LEVEL);
    json.writeString(levelName(r.getLevelValue()));
    if (r.hasLabels()) {
      Labels l = r.getLabels();
      field(json, APP_NAME, l.getAppName());
      field(json, APP_ID, l.getAppId());
      field(json, REQUEST_ID, l.getRequestId());
      field(json, JOB_ID, l.getJobId());
      field(json, ENDPOINT, l.getEndpoint());
      field(json, NODE_ID, l.getNodeId());
      field(json, WORKER_ID, l.getWorkerId());
      field(json, SOURCE, l.getSource());
      field(json, ISOLATE_SOURCE, l.getIsolateSource());
      field(json, VERSION, l.getVersion());
      field(json, RUNNER_ID, l.getRunnerId());
    }
    field(json, TRACE_ID, r.getTraceId());
    field(json, SPAN_ID, r.getSpanId());
    if (r.getFieldsCount() > 0) {
      json.writeFieldName(FIELDS);
      json.writeStartObject();
      for (Map.Entry<String, String> f : r.getFieldsMap().entrySet()) {
        json.writeStringField(f.getKey(), f.getValue());
      }
      json.writeEndObject();
    }
    json.writeFieldName(SUBJECT);
    json.writeString(r.getSubject());
    json.writeFieldName(SEQ);
    json.writeNumber(r.getSeq());
    json.writeFieldName(CURSOR);
    json.writeString(cursor);
    json.writeFieldName(KIND);
    json.writeString(kindName(r.getKindValue()));
    json.writeFieldName(STREAM);
    json.writeString(streamName(r.getStreamValue()));
    if (r.getParts() > 0) {
      json.writeNumberField("part", r.getPart());
      json.writeNumberField("parts", r.getParts());
    }
    if (r.hasRequest()) {
      field(json, CALLER, r.getRequest().getCaller());
      if (r.getKind() == RecordKind.REQUEST_END) {
        json.writeStringField("status", RequestsApi.result(r.getRequest().getStatus()));
        json.writeFieldName(STATUS_MESSAGE);
        json.writeString(r.getRequest().getStatusMessage());
      }
    }
    json.writeEndObject();
  }

  static void write(JsonGenerator json, Notice n) throws IOException {
    json.writeStartObject();
    json.writeStringField("kind", n.getKind().name().toLowerCase(Locale.ROOT));
    json.writeNumberField("count", n.getCount());
    json.writeStringField("detail", n.getDetail());
    if (n.getFirstSeq() > 0) {
      json.writeNumberField("first_seq", n.getFirstSeq());
      json.writeNumberField("last_seq", n.getLastSeq());
    }
    json.writeEndObject();
  }

  /** ISO 8601 with milliseconds, UTC, as drains send it. */
  static String timestamp(long unixNanos) {
    return Timestamps.string(unixNanos);
  }

  private static <E extends Enum<E> & com.google.protobuf.ProtocolMessageEnum> String[] names(
      E[] values, E unset, String unsetName) {
    int max = 0;
    for (E e : values) {
      if (!e.name().equals("UNRECOGNIZED")) {
        max = Math.max(max, e.getNumber());
      }
    }
    String[] names = new String[max + 1];
    for (E e : values) {
      if (!e.name().equals("UNRECOGNIZED")) {
        names[e.getNumber()] = e == unset ? unsetName : e.name().toLowerCase(Locale.ROOT);
      }
    }
    return names;
  }

  static String levelName(int number) {
    return LEVELS[number >= 0 && number < LEVELS.length ? number : Level.INFO_VALUE];
  }

  static String kindName(int number) {
    return number >= 0 && number < KINDS.length ? KINDS[number] : "unknown";
  }

  static String streamName(int number) {
    return number >= 0 && number < STREAMS.length ? STREAMS[number] : "unknown";
  }

  /** The level as drains name it: lower case; an unset level is stored as INFO. */
  static String level(Level level) {
    return level == Level.UNRECOGNIZED ? "info" : levelName(level.getNumber());
  }

  private static void field(JsonGenerator json, SerializableString name, String value)
      throws IOException {
    if (!value.isEmpty()) {
      json.writeFieldName(name);
      json.writeString(value);
    }
  }
}
