package dev.sluice.gateway;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * ISO 8601 timestamps with milliseconds in UTC ({@code 2026-12-06T23:47:10.265Z}), as drains
 * write them, made without a formatter per record: records of one second share its text, and
 * only the milliseconds change. DateTimeFormatter per record was a tenth of the gateway's CPU
 * and half of its allocation on a busy SSE tail (bench/README.md, "Gateway").
 */
final class Timestamps {
  static final int LENGTH = 24;
  private static final DateTimeFormatter SECOND =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final ThreadLocal<Timestamps> LOCAL = ThreadLocal.withInitial(Timestamps::new);

  private final char[] text = new char[LENGTH];
  private long second = Long.MIN_VALUE;

  /** This thread's instance; the chars it returns stay valid until its next call. */
  static Timestamps local() {
    return LOCAL.get();
  }

  /** The text of {@code unixNanos}: {@link #LENGTH} chars, valid until the next call. */
  char[] format(long unixNanos) {
    long s = Math.floorDiv(unixNanos, 1_000_000_000L);
    int millis = (int) (Math.floorMod(unixNanos, 1_000_000_000L) / 1_000_000);
    if (s != second) {
      String prefix = SECOND.format(Instant.ofEpochSecond(s));
      if (prefix.length() != 19) { // years beyond 9999 or before 0: rare, never cached
        second = Long.MIN_VALUE;
        return (prefix + "." + (millis + 1000 + "").substring(1) + "Z").toCharArray();
      }
      prefix.getChars(0, 19, text, 0);
      text[19] = '.';
      text[23] = 'Z';
      second = s;
    }
    text[20] = (char) ('0' + millis / 100);
    text[21] = (char) ('0' + millis / 10 % 10);
    text[22] = (char) ('0' + millis % 10);
    return text;
  }

  /** As a String (for the few places outside the hot path). */
  static String string(long unixNanos) {
    return new String(local().format(unixNanos));
  }
}
