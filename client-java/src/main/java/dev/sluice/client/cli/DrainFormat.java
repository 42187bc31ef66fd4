package dev.sluice.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.Level;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How {@code sluice drains} shows drains: a table ({@code list}), a block of fields
 * ({@code get}), or one JSON object per drain ({@code --json}). The broker never sends a
 * secret, so there is none to show.
 */
final class DrainFormat {
  private static final String[] COLUMNS =
      {"NAME", "ENABLED", "URL", "FILTER", "DELIVERED", "FAILURES", "LAG"};

  private DrainFormat() {}

  /** One row per drain under a header, columns as wide as their widest value. */
  static void table(PrintWriter out, List<Drain> drains) {
    List<String[]> rows = new ArrayList<>();
    rows.add(COLUMNS);
    for (Drain drain : drains) {
      DrainSpec spec = drain.getSpec();
      DrainStatus status = drain.getStatus();
      rows.add(new String[] {spec.getName(), yesNo(status.getEnabled()), spec.getUrl(),
          spec.getFilter(), Long.toUnsignedString(status.getDeliveredLines()),
          Long.toUnsignedString(status.getTotalFailures()), lag(status)});
    }
    int[] width = new int[COLUMNS.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 2));
        }
      }
      out.println(line);
    }
  }

  /** Every field of one drain, one per line. */
  static void block(PrintWriter out, Drain drain) {
    DrainSpec spec = drain.getSpec();
    DrainStatus s = drain.getStatus();
    field(out, "name", spec.getName());
    field(out, "url", spec.getUrl());
    field(out, "filter", spec.getFilter());
    field(out, "min level", level(spec.getMinLevel()));
    field(out, "batch lines", Integer.toUnsignedString(spec.getMaxBatchLines()));
    field(out, "flush interval", interval(spec.getFlushIntervalMs()));
    field(out, "enabled", yesNo(s.getEnabled()));
    field(out, "delivered lines", Long.toUnsignedString(s.getDeliveredLines()));
    field(out, "delivered batches", Long.toUnsignedString(s.getDeliveredBatches()));
    field(out, "last success", s.getLastSuccessUnixNano() == 0 ? "never"
        : instant(s.getLastSuccessUnixNano()));
    field(out, "failures in a row", Integer.toUnsignedString(s.getConsecutiveFailures()));
    field(out, "failures in all", Long.toUnsignedString(s.getTotalFailures()));
    field(out, "last error", s.getLastError().isEmpty() ? "-" : s.getLastError());
    field(out, "lag lines", Long.toUnsignedString(s.getLagLines()));
    field(out, "lag seconds", seconds(s.getLagSeconds()));
    if (s.getLostRecords() > 0) {
      field(out, "lost records", Long.toUnsignedString(s.getLostRecords()) + " (" + s.getLastGap()
          + ")");
    }
  }

  /** One drain as one line of JSON; field names as in the proto. */
  static String json(Drain drain) {
    return JsonOutput.object(json -> {
      spec(json, drain.getSpec());
      json.writeObjectFieldStart("status");
      status(json, drain.getStatus());
      json.writeEndObject();
    });
  }

  private static void spec(JsonGenerator json, DrainSpec spec) throws IOException {
    json.writeStringField("name", spec.getName());
    json.writeStringField("url", spec.getUrl());
    json.writeStringField("filter", spec.getFilter());
    if (spec.getMinLevel() == Level.LEVEL_UNSPECIFIED) {
      json.writeNullField("min_level");
    } else {
      json.writeStringField("min_level", spec.getMinLevel().name());
    }
    json.writeNumberField("max_batch_lines", Integer.toUnsignedLong(spec.getMaxBatchLines()));
    json.writeNumberField("flush_interval_ms",
        Integer.toUnsignedLong(spec.getFlushIntervalMs()));
  }

  private static void status(JsonGenerator json, DrainStatus s) throws IOException {
    json.writeBooleanField("enabled", s.getEnabled());
    json.writeNumberField("consecutive_failures",
        Integer.toUnsignedLong(s.getConsecutiveFailures()));
    unsigned(json, "total_failures", s.getTotalFailures());
    json.writeStringField("last_error", s.getLastError());
    if (s.getLastSuccessUnixNano() == 0) {
      json.writeNullField("last_success");
    } else {
      json.writeStringField("last_success", instant(s.getLastSuccessUnixNano()));
    }
    unsigned(json, "delivered_lines", s.getDeliveredLines());
    unsigned(json, "delivered_batches", s.getDeliveredBatches());
    unsigned(json, "lag_lines", s.getLagLines());
    json.writeFieldName("lag_seconds");
    json.writeNumber(seconds(s.getLagSeconds(), "%.3f")); // as formatted: 3 decimals
    unsigned(json, "lost_records", s.getLostRecords());
    json.writeStringField("last_gap", s.getLastGap());
  }

  /** A proto uint64: a Java long read as unsigned. */
  private static void unsigned(JsonGenerator json, String name, long value) throws IOException {
    json.writeFieldName(name);
    json.writeNumber(Long.toUnsignedString(value));
  }

  /** {@code WARN}, or {@code all} when every level goes. */
  static String level(Level level) {
    return level == Level.LEVEL_UNSPECIFIED ? "all" : level.name();
  }

  /** {@code 1s}, {@code 1500ms}. */
  static String interval(int ms) {
    return ms % 1000 == 0 ? ms / 1000 + "s" : Integer.toUnsignedString(ms) + "ms";
  }

  private static String lag(DrainStatus status) {
    String lines = Long.toUnsignedString(status.getLagLines());
    return status.getLagSeconds() > 0 ? lines + " (" + seconds(status.getLagSeconds()) + "s)"
        : lines;
  }

  private static String seconds(double seconds) {
    return seconds(seconds, "%.1f");
  }

  private static String seconds(double seconds, String format) {
    return String.format(Locale.ROOT, format,
        Double.isFinite(seconds) && seconds > 0 ? seconds : 0.0);
  }

  private static String instant(long unixNanos) {
    return Instant.ofEpochSecond(0, unixNanos).truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static String yesNo(boolean value) {
    return value ? "yes" : "no";
  }

  private static void field(PrintWriter out, String name, String value) {
    out.println(name + ":" + " ".repeat(Math.max(1, 19 - name.length())) + value);
  }
}
