package dev.sluice.broker.ingest;

import dev.sluice.broker.store.Draft;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.Stream;
import java.util.List;
import java.util.Locale;

/**
 * How a session's lines meet the account's ingest limit: what each batch costs by level (the
 * {@link TenantLimiter} decides what it keeps), and the lines shed so far, told to readers in
 * SHED records. One per session; not thread-safe (a session runs on its call's event loop).
 */
final class Shedding {
  /** What a line costs the ingest limit besides its message: time, level, ids, framing. */
  private static final int LINE_OVERHEAD = 24;

  // Lines shed since the last marker, by level number.
  private final long[] shed = new long[Level.FATAL_VALUE + 1];
  private long lastMarker;
  private long total;

  /** What the limit is asked for: lines and bytes by level number. */
  record Costs(int[] lines, long[] bytes) {}

  /**
   * What the lines of {@code batch} from {@code from} on cost, by level. Parses the lines that
   * are more than plain (into {@code parsed}) along the way.
   */
  Costs costs(RawBatch batch, int from, LogLine[] parsed, int maxLine) {
    int[] lines = new int[Level.FATAL_VALUE + 1];
    long[] bytes = new long[Level.FATAL_VALUE + 1];
    for (int i = from; i < batch.count(); i++) {
      if (!batch.plain(i) || batch.messageLength(i) > maxLine) {
        parsed[i] = batch.line(i);
      }
      int level = levelOf(batch, i, parsed);
      lines[level]++;
      // Message and fields: what the line costs. The whole line's size only when it has more
      // than a message.
      bytes[level] += batch.plain(i) ? batch.messageLength(i) + LINE_OVERHEAD
          : batch.lineLength(i);
    }
    return new Costs(lines, bytes);
  }

  static int levelOf(RawBatch batch, int i, LogLine[] parsed) {
    if (parsed[i] != null) {
      return level(parsed[i]).getNumber();
    }
    int level = batch.level(i);
    return level == Level.LEVEL_UNSPECIFIED_VALUE ? Level.INFO_VALUE : level;
  }

  static Level level(LogLine line) {
    Level level = line.getLevel();
    return level == Level.LEVEL_UNSPECIFIED || level == Level.UNRECOGNIZED ? Level.INFO : level;
  }

  /** One line of {@code level} was shed. */
  void shed(int level) {
    shed[level]++;
    total++;
  }

  /** Lines shed over the session's life, told or not. */
  long total() {
    return total;
  }

  /** Lines shed and not yet told in a SHED record. */
  long pending() {
    long total = 0;
    for (long n : shed) {
      total += n;
    }
    return total;
  }

  /**
   * Adds to {@code drafts} a record on the runner's subject (that of {@code noRequest}) that
   * tells readers how many lines of which level were shed; at most once a second per session
   * ({@code always}: now), counts accumulating in between.
   */
  void marker(long now, boolean always, RequestScope noRequest, List<Draft> drafts) {
    long total = pending();
    if (total == 0 || !always && now - lastMarker < 1_000_000_000L) {
      return;
    }
    lastMarker = now;
    StringBuilder text = new StringBuilder("sluice: shed ").append(total)
        .append(" lines over the account's ingest limit (");
    Record.Builder marker = Record.newBuilder().setSubject(noRequest.subject())
        .setKind(RecordKind.SHED).setTimeUnixNano(now).setLevel(Level.WARN)
        .setStream(Stream.STRUCTURED).setLabels(noRequest.labels()).setIngestTimeUnixNano(now);
    String sep = "";
    for (int level = Level.TRACE_VALUE; level <= Level.WARN_VALUE; level++) {
      if (shed[level] > 0) {
        String name = Level.forNumber(level).name();
        text.append(sep).append(name).append(": ").append(shed[level]);
        marker.putFields("shed_" + name.toLowerCase(Locale.ROOT), Long.toString(shed[level]));
        sep = ", ";
        shed[level] = 0;
      }
    }
    drafts.add(Draft.of(marker.setMessage(text.append(')').toString()).build()));
  }
}
