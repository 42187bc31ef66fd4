package dev.sluice.broker.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * How OTLP's resource and log records become a runner's Hello and lines.
 *
 * <ul>
 *   <li>App: resource attribute {@code sluice.app}, else {@code service.name} (but the SDKs'
 *       default {@code unknown_service...}), else the app the token is scoped to. It must be a
 *       subject token: an app named otherwise is refused, naming the attribute, never
 *       rewritten.
 *   <li>Runner: {@code sluice.runner} (a subject token, or refused), else
 *       {@code service.instance.id} when it is a subject token, else {@code otlp}.
 *   <li>Worker, version, node, source: {@code service.instance.id}, {@code service.version},
 *       {@code host.name}, {@code sluice.source}; {@code sluice.private_logs} (true) makes the
 *       app's logs private, as a runner's Hello does.
 *   <li>Request: log attribute {@code request_id} (or {@code sluice.request_id}) when it is a
 *       subject token; otherwise it stays a field.
 *   <li>Level: the severity number's range (1-4 TRACE ... 21-24 FATAL), else the severity
 *       text, else INFO.
 *   <li>Message: the body; a body that is not a string is written as JSON.
 *   <li>Fields: the other log attributes (values that are not strings as JSON), and the
 *       instrumentation scope as {@code logger}.
 * </ul>
 */
final class OtlpRecords {
  static final String DEFAULT_RUNNER = "otlp";
  private static final Set<String> REQUEST_KEYS = Set.of("request_id", "sluice.request_id");
  private static final JsonFactory JSON = new JsonFactory();
  private static final HexFormat HEX = HexFormat.of();

  private OtlpRecords() {}

  /** The Hello of the runner session that {@code resource}'s records arrive on. */
  static Hello hello(Resource resource, String tokenApp) {
    Map<String, AnyValue> attributes = new java.util.HashMap<>();
    for (KeyValue kv : resource.getAttributesList()) {
      attributes.put(kv.getKey(), kv.getValue());
    }
    String appAttribute = first(attributes, "sluice.app").isEmpty() ? "service.name"
        : "sluice.app";
    String app = first(attributes, appAttribute);
    if (appAttribute.equals("service.name") && app.startsWith("unknown_service")) {
      app = ""; // the SDKs' default when the app named no service: not a name
    }
    if (app.isEmpty()) {
      if (tokenApp.isEmpty()) {
        throw SluiceException.invalid("resource: no service.name or sluice.app attribute "
            + "(expected: the app the records belong to)");
      }
      app = tokenApp;
    } else {
      Subjects.token("resource attribute " + appAttribute, app);
    }
    // sluice.runner is said on purpose and must be a token; an instance id that is not one
    // (the OpenTelemetry operator's namespace.pod.container) stays a label, the worker.
    String instance = first(attributes, "service.instance.id");
    String runner = first(attributes, "sluice.runner");
    if (!runner.isEmpty()) {
      Subjects.token("resource attribute sluice.runner", runner);
    } else {
      runner = Subjects.isToken(instance) ? instance : DEFAULT_RUNNER;
    }
    // As a runner's Hello may say: the app's logs are private (sticky; only an admin undoes it).
    AnyValue privateLogs = attributes.get("sluice.private_logs");
    return Hello.newBuilder().setApp(app).setRunner(runner)
        .setPrivateLogs(privateLogs != null && (privateLogs.getBoolValue()
            || "true".equalsIgnoreCase(privateLogs.getStringValue())))
        .setWorker(clip(instance))
        .setVersion(clip(first(attributes, "service.version")))
        .setNode(clip(first(attributes, "host.name")))
        .setSource(first(attributes, "sluice.source")).build();
  }

  /** {@code record} as a line; fields and text are bounded so it passes ingest's checks. */
  static LogLine line(LogRecord record, String logger) {
    LogLine.Builder line = LogLine.newBuilder()
        .setTimeUnixNano(record.getTimeUnixNano() != 0 ? record.getTimeUnixNano()
            : record.getObservedTimeUnixNano())
        .setLevel(level(record.getSeverityNumberValue(), record.getSeverityText()))
        .setStream(Stream.STRUCTURED)
        .setMessage(text(record.getBody()));
    if (record.getTraceId().size() == 16) {
      line.setTraceId(HEX.formatHex(record.getTraceId().toByteArray()));
    }
    if (record.getSpanId().size() == 8) {
      line.setSpanId(HEX.formatHex(record.getSpanId().toByteArray()));
    }
    for (KeyValue kv : record.getAttributesList()) {
      String value = text(kv.getValue());
      if (REQUEST_KEYS.contains(kv.getKey()) && line.getRequestId().isEmpty()
          && Subjects.isToken(value)) {
        line.setRequestId(value);
      } else {
        line.putFields(kv.getKey(), value);
      }
    }
    if (!logger.isEmpty() && !line.containsFields("logger")) {
      line.putFields("logger", logger);
    }
    if (!record.getEventName().isEmpty()) {
      line.putFields("event", record.getEventName());
    }
    return line.build();
  }

  /** OTLP's severity number (1-24, in steps of four per level), else its text, else INFO. */
  static Level level(int number, String text) {
    if (number >= 1 && number <= 24) {
      return Level.forNumber(Level.TRACE_VALUE + (number - 1) / 4);
    }
    return switch (text.toUpperCase(java.util.Locale.ROOT)) {
      case "TRACE", "FINEST" -> Level.TRACE;
      case "DEBUG", "FINE", "FINER" -> Level.DEBUG;
      case "WARN", "WARNING" -> Level.WARN;
      case "ERROR", "SEVERE", "CRITICAL" -> Level.ERROR;
      case "FATAL", "PANIC" -> Level.FATAL;
      default -> Level.INFO;
    };
  }

  /** A string value as itself; anything else as its JSON (bytes as base64). */
  static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case VALUE_NOT_SET -> "";
      default -> json(value);
    };
  }

  private static String json(AnyValue value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      write(json, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void write(JsonGenerator json, AnyValue value) throws IOException {
    switch (value.getValueCase()) {
      case STRING_VALUE -> json.writeString(value.getStringValue());
      case BOOL_VALUE -> json.writeBoolean(value.getBoolValue());
      case INT_VALUE -> json.writeNumber(value.getIntValue());
      case DOUBLE_VALUE -> json.writeNumber(value.getDoubleValue());
      case BYTES_VALUE -> json.writeString(
          Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
      case ARRAY_VALUE -> {
        json.writeStartArray();
        for (AnyValue v : value.getArrayValue().getValuesList()) {
          write(json, v);
        }
        json.writeEndArray();
      }
      case KVLIST_VALUE -> {
        json.writeStartObject();
        for (KeyValue kv : value.getKvlistValue().getValuesList()) {
          json.writeFieldName(kv.getKey());
          write(json, kv.getValue());
        }
        json.writeEndObject();
      }
      default -> json.writeNull();
    }
  }

  private static String first(Map<String, AnyValue> attributes, String... keys) {
    for (String key : keys) {
      AnyValue value = attributes.get(key);
      if (value != null && !text(value).isEmpty()) {
        return text(value);
      }
    }
    return "";
  }

  /** Labels are bounded text; a longer host name or version is cut, not refused. */
  private static String clip(String value) {
    String cut = value.length() > HelloCheck.MAX_TEXT ? value.substring(0, HelloCheck.MAX_TEXT)
        : value;
    StringBuilder clean = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return clean.toString();
  }
}
