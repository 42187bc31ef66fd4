package dev.sluice.broker.plugin.drain;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The body of a drain delivery: one JSON object per line ({@code application/x-ndjson}) with
 * {@code timestamp} (ISO 8601, milliseconds, UTC), {@code message}, {@code level}, every label
 * that has a value, and the record's structured fields under {@code fields}: the field names
 * of fal's drains, so existing Datadog, Splunk and Elastic pipelines read it unchanged.
 */
public final class Ndjson {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Ndjson() {}

  /** Encodes {@code records} as NDJSON, one line each, each line ending in a newline. */
  public static byte[] encode(List<Record> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(records.size() * 256);
    try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      json.setRootValueSeparator(null);
      for (Record r : records) {
        write(json, r);
        json.flush();
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator json, Record r) throws IOException {
    json.writeStartObject();
    long nanos = r.getTimeUnixNano();
    json.writeStringField("timestamp",
        TIME.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
            Math.floorMod(nanos, 1_000_000_000L))));
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
    json.writeEndObject();
  }

  private static void field(JsonGenerator json, String name, String value) throws IOException {
    if (!value.isEmpty()) {
      json.writeStringField(name, value);
    }
  }

  /** The level as drains name it: lower case; an unset level is stored as INFO. */
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
}
