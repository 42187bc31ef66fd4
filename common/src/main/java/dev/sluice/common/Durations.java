package dev.sluice.common;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one syntax of durations in settings, flags and query parameters: whole numbers with a
 * unit, one or several ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 30d},
 * {@code 2w}, {@code 1h30m}), or ISO-8601 ({@code PT30S}, as a {@link Duration} prints).
 *
 * <pre>{@code
 * Duration age = Durations.parse("retention-age", "30d");   // PT720H
 * Durations.parse("retention-age", "30");
 * // IllegalArgumentException: retention-age: '30' (expected: a duration such as 250ms, ...)
 * }</pre>
 */
public final class Durations {
  /** What a duration looks like, for messages. */
  public static final String EXPECTED =
      "a duration such as 250ms, 30s, 5m, 2h, 30d, 2w or 1h30m";
  private static final Pattern PART = Pattern.compile("(\\d{1,18})(ms|s|m|h|d|w)");

  private Durations() {}

  /**
   * Parses {@code text}; zero is allowed ({@code 0s}), a negative duration cannot be written.
   *
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public static Duration parse(String text) {
    String v = text == null ? "" : text.trim();
    if (v.startsWith("P") || v.startsWith("p")) {
      return iso(text, v);
    }
    Matcher part = PART.matcher(v);
    Duration total = Duration.ZERO;
    int end = 0;
    try {
      while (end < v.length() && part.find(end) && part.start() == end) {
        total = total.plus(of(Long.parseLong(part.group(1)), part.group(2)));
        end = part.end();
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too long (expected: " + EXPECTED
          + ")");
    }
    if (end == 0 || end != v.length()) {
      throw new IllegalArgumentException("'" + text + "' (expected: " + EXPECTED + ")");
    }
    return total;
  }

  /** {@link #parse(String)}, with the setting's name in front of any message. */
  public static Duration parse(String setting, String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
    }
  }

  /** The shortest text {@link #parse} reads back: {@code 30d}, {@code 1h30m}, {@code 250ms}. */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      return duration.toString();
    }
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long rest = duration.toMillis();
    long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
    String[] units = {"d", "h", "m", "s", "ms"};
    for (int i = 0; i < sizes.length; i++) {
      if (rest >= sizes[i]) {
        out.append(rest / sizes[i]).append(units[i]);
        rest %= sizes[i];
      }
    }
    return duration.toNanosPart() % 1_000_000 != 0 ? duration.toString() : out.toString();
  }

  private static Duration of(long n, String unit) {
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofDays(Math.multiplyExact(7, n));
    };
  }

  private static Duration iso(String text, String v) {
    try {
      Duration d = Duration.parse(v);
      if (d.isNegative()) {
        throw new IllegalArgumentException("'" + text + "' (expected: a duration >= 0)");
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' (expected: " + EXPECTED + ")");
    }
  }
}
