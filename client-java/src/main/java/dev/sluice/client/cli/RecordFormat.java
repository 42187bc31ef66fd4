package dev.sluice.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.client.tail.TailEvent;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

/**
 * How {@code sluice tail} prints events: one line per record, for people or as JSON.
 *
 * <pre>
 * 2026-11-21T10:15:30.123Z INFO  demo-model.runner-1.req-7  step 2/4  ms=41 step=2
 * --- dropped 1532 records (subscriber too slow) ---
 * </pre>
 */
enum RecordFormat {
  HUMAN {
    @Override
    String format(TailEvent event) {
      if (event instanceof TailEvent.NoticeEvent n) {
        return "--- " + describe(n.notice()) + " ---";
      }
      Record r = ((TailEvent.RecordEvent) event).record();
      StringBuilder out = new StringBuilder(96 + r.getMessage().length());
      out.append(TIME.format(instant(r.getTimeUnixNano()))).append(' ');
      String level = r.getLevel().name();
      out.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
      out.append(r.getSubject()).append("  ");
      if (r.getParts() > 0) {
        out.append("[part ").append(r.getPart()).append('/').append(r.getParts()).append("] ");
      }
      out.append(r.getMessage());
      Map<String, String> fields = new TreeMap<>(r.getFieldsMap());
      if (r.getKind() == RecordKind.REQUEST_START) {
        putIfSet(fields, "endpoint", r.getLabels().getEndpoint());
        putIfSet(fields, "caller", r.getRequest().getCaller());
      }
      if (!fields.isEmpty()) {
        out.append(' ');
        fields.forEach((k, v) -> out.append(' ').append(k).append('=').append(quoteIfNeeded(v)));
      }
      return out.toString();
    }
  },

  JSON {
    @Override
    String format(TailEvent event) {
      if (event instanceof TailEvent.NoticeEvent n) {
        return JsonOutput.object(json -> notice(json, n.notice()));
      }
      return JsonOutput.object(json -> record(json, ((TailEvent.RecordEvent) event).record()));
    }

    private void notice(JsonGenerator json, Notice notice) throws IOException {
      json.writeStringField("notice", notice.getKind().name());
      json.writeNumberField("count", notice.getCount());
      json.writeStringField("detail", notice.getDetail());
      if (notice.getFirstSeq() > 0) {
        json.writeNumberField("first_seq", notice.getFirstSeq());
        json.writeNumberField("last_seq", notice.getLastSeq());
      }
    }

    private void record(JsonGenerator json, Record r) throws IOException {
      json.writeNumberField("seq", r.getSeq());
      json.writeStringField("time", TIME.format(instant(r.getTimeUnixNano())));
      json.writeNumberField("time_unix_nano", r.getTimeUnixNano());
      json.writeStringField("level", r.getLevel().name());
      json.writeStringField("subject", r.getSubject());
      json.writeStringField("kind", r.getKind().name());
      json.writeStringField("stream", r.getStream().name());
      json.writeStringField("message", r.getMessage());
      if (r.getParts() > 0) {
        json.writeNumberField("part", r.getPart());
        json.writeNumberField("parts", r.getParts());
      }
      if (!r.getTraceId().isEmpty()) {
        json.writeStringField("trace_id", r.getTraceId());
        json.writeStringField("span_id", r.getSpanId());
      }
      JsonOutput.stringMap(json, "fields", new TreeMap<>(r.getFieldsMap()));
      JsonOutput.stringMap(json, "labels", labels(r.getLabels()));
      if (r.hasRequest()) {
        Map<String, String> request = new TreeMap<>();
        putIfSet(request, "caller", r.getRequest().getCaller());
        if (r.getKind() == RecordKind.REQUEST_END) {
          request.put("status", r.getRequest().getStatus().name());
          putIfSet(request, "status_message", r.getRequest().getStatusMessage());
        }
        JsonOutput.stringMap(json, "request", request);
      }
    }
  };

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** One line of output for {@code event}, without the line break. */
  abstract String format(TailEvent event);

  /** A notice as a phrase, for example "dropped 1532 records (subscriber too slow)". */
  static String describe(Notice notice) {
    return switch (notice.getKind()) {
      case DROPPED -> "dropped " + notice.getCount() + " records (subscriber too slow)";
      // A gap with sequence numbers says what it is (retention, or damage in the store).
      case GAP -> notice.getFirstSeq() > 0 && !notice.getDetail().isEmpty() ? notice.getDetail()
          : notice.getCount() + " earlier records are no longer stored";
      default -> notice.getDetail().isEmpty() ? notice.getKind().name() : notice.getDetail();
    };
  }

  private static Instant instant(long unixNanos) {
    return Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L),
        Math.floorMod(unixNanos, 1_000_000_000L));
  }

  private static void putIfSet(Map<String, String> map, String key, String value) {
    if (!value.isEmpty()) {
      map.put(key, value);
    }
  }

  private static Map<String, String> labels(Labels l) {
    Map<String, String> out = new TreeMap<>();
    putIfSet(out, "account", l.getAccount());
    putIfSet(out, "app_name", l.getAppName());
    putIfSet(out, "app_id", l.getAppId());
    putIfSet(out, "runner_id", l.getRunnerId());
    putIfSet(out, "request_id", l.getRequestId());
    putIfSet(out, "job_id", l.getJobId());
    putIfSet(out, "endpoint", l.getEndpoint());
    putIfSet(out, "node_id", l.getNodeId());
    putIfSet(out, "worker_id", l.getWorkerId());
    putIfSet(out, "version", l.getVersion());
    putIfSet(out, "source", l.getSource());
    putIfSet(out, "isolate_source", l.getIsolateSource());
    return out;
  }

  /** Values with spaces, quotes or control characters are printed as JSON strings. */
  private static String quoteIfNeeded(String value) {
    boolean plain = !value.isEmpty();
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = c > ' ' && c != '"' && c != '\\' && c != 0x7f;
    }
    return plain ? value : JsonOutput.string(value);
  }
}
