package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
  static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private RecordJson() {}

  /** A generator writing UTF-8 into {@code out}, with no separator between root values. */
  static JsonGenerator generator(ByteArrayOutputStream out) {
    try {
      JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8);
      json.setRootValueSeparator(null);
      return json;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory stream does not fail
    }
  }

  static void write(JsonGenerator json, Record r) throws IOException {
    json.writeStartObject();
    json.writeStringField("timestamp", timestamp(r.getTimeUnixNano()));
    json.writeStringField("message", r.getMessage());
    json.writeStringField("level", level(r.getLevel()));
    Labels l = r.getLabels();
    field(json, "app_name", l.getAppName());
    field(json, "app_id", l.getAppId());
    field(json, "request_id", l.getRequestId());
    field(json, "job_id", l.getJobId());
    field(json, "endpoint", l.getEndpoint());
    field(json, "node_id", l.getNodeId());
    field(json, "worker_id", l.getWorkerId());
    field(json, "source", l.getSource());
    field(json, "isolate_source", l.getIsolateSource());
    field(json, "version", l.getVersion());
    field(json, "runner_id", l.getRunnerId());
    field(json, "trace_id", r.getTraceId());
    field(json, "span_id", r.getSpanId());
    if (r.getFieldsCount() > 0) {
      json.writeObjectFieldStart("fields");
      for (Map.Entry<String, String> f : r.getFieldsMap().entrySet()) {
        json.writeStringField(f.getKey(), f.getValue());
      }
      json.writeEndObject();
    }
    json.writeStringField("subject", r.getSubject());
    json.writeNumberField("seq", r.getSeq());
    json.writeStringField("cursor", Cursors.encode(r.getCursor()));
    json.writeStringField("kind", r.getKind() == RecordKind.UNRECOGNIZED ? "unknown"
        : r.getKind().name().toLowerCase(Locale.ROOT));
    json.writeStringField("stream", r.getStream().name().toLowerCase(Locale.ROOT));
    if (r.getParts() > 0) {
      json.writeNumberField("part", r.getPart());
      json.writeNumberField("parts", r.getParts());
    }
    if (r.hasRequest()) {
      field(json, "caller", r.getRequest().getCaller());
      if (r.getKind() == RecordKind.REQUEST_END) {
        json.writeStringField("status", RequestsApi.result(r.getRequest().getStatus()));
        field(json, "status_message", r.getRequest().getStatusMessage());
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
    return TIME.format(Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L),
        Math.floorMod(unixNanos, 1_000_000_000L)));
  }

  /** The level as drains name it: lower case. */
  static String level(Level level) {
    return switch (level) {
      case TRACE -> "trace";
      case DEBUG -> "debug";
      case WARN -> "warn";
      case ERROR -> "error";
      case FATAL -> "fatal";
      default -> "info";
    };
  }

  private static void field(JsonGenerator json, String name, String value) throws IOException {
    if (!value.isEmpty()) {
      json.writeStringField(name, value);
    }
  }
}
