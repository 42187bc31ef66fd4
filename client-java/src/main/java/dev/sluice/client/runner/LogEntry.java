package dev.sluice.client.runner;

import dev.sluice.client.Subjects;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One line with everything a capture knows of it, for {@link SluiceRunner#log(LogEntry)}: what
 * {@code sluice run} reads from a process's output, or a logging framework's event.
 *
 * @param timeUnixNano when it was written, nanoseconds since the Unix epoch; 0 means now
 * @param level its level
 * @param stream where it came from: STDOUT or STDERR for a process's output, STRUCTURED for a
 *     logger's event
 * @param message the text
 * @param fields structured fields (may be empty)
 * @param requestId the request it belongs to, a subject token; empty: the runner's only open
 *     request, if one is
 * @param traceId OpenTelemetry trace id, or empty
 * @param spanId OpenTelemetry span id, or empty
 */
public record LogEntry(long timeUnixNano, Level level, Stream stream, String message,
    Map<String, String> fields, String requestId, String traceId, String spanId) {
  public LogEntry {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(stream, "stream");
    message = message == null ? "null" : message;
    fields = fields == null ? Map.of() : fields;
    requestId = requestId == null ? "" : requestId;
    traceId = traceId == null ? "" : traceId;
    spanId = spanId == null ? "" : spanId;
  }

  /**
   * This entry as the broker accepts it: a request id that is not a subject token, or a trace
   * or span id that is not a free-text label, moves to a field of its name.
   */
  LogEntry accepted() {
    Map<String, String> f = fields;
    String request = requestId;
    if (!request.isEmpty() && !Subjects.isToken(request)) {
      f = with(f, "request_id", request);
      request = "";
    }
    String trace = traceId;
    if (!FreeText.accepts(trace)) {
      f = with(f, "trace_id", trace);
      trace = "";
    }
    String span = spanId;
    if (!FreeText.accepts(span)) {
      f = with(f, "span_id", span);
      span = "";
    }
    return f == fields ? this
        : new LogEntry(timeUnixNano, level, stream, message, f, request, trace, span);
  }

  private static Map<String, String> with(Map<String, String> fields, String key, String value) {
    Map<String, String> out = new LinkedHashMap<>(fields);
    out.putIfAbsent(key, value);
    return out;
  }

  /**
   * Whether a logging framework's logger belongs to the SDK or its transport (gRPC and Netty):
   * a bridge that sent their records through the SDK (a reconnect logged, say) would feed
   * itself, so bridges keep them local.
   */
  public static boolean fromTheSdk(String loggerName) {
    return loggerName != null && (loggerName.startsWith("dev.sluice.client.")
        || loggerName.startsWith("io.grpc.") || loggerName.startsWith("io.netty."));
  }

  /**
   * A logging framework's event: {@code context} (its MDC, key-value pairs, logger, thread)
   * names the request ({@code request_id} or {@code requestId}) and the OpenTelemetry ids
   * ({@code trace_id}, {@code span_id}, the names of OpenTelemetry's MDC instrumentation);
   * every other entry is a field.
   */
  public static LogEntry fromContext(long timeUnixNano, Level level, String message,
      Map<String, String> context) {
    Map<String, String> fields = new LinkedHashMap<>();
    String request = "";
    String trace = "";
    String span = "";
    for (Map.Entry<String, String> e : context.entrySet()) {
      String value = e.getValue();
      switch (e.getKey()) {
        // A null id is no id (not the request "null").
        case "request_id", "requestId" -> request = value == null ? "" : value;
        case "trace_id" -> trace = value == null ? "" : value;
        case "span_id" -> span = value == null ? "" : value;
        default -> fields.put(e.getKey(), value == null ? "null" : value);
      }
    }
    return new LogEntry(timeUnixNano, level, Stream.STRUCTURED, message, fields, request, trace,
        span);
  }

  /** A plain line of {@code stream} at {@code level}, now. */
  public static LogEntry of(Level level, Stream stream, String message) {
    return new LogEntry(0, level, stream, message, Map.of(), "", "", "");
  }
}
