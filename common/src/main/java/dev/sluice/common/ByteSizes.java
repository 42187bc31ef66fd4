package dev.sluice.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one syntax of byte sizes in settings and flags: a whole number of bytes, optionally with
 * a binary unit ({@code 65536}, {@code 512KiB}, {@code 16MiB}, {@code 10GiB}, {@code 1TiB}).
 * Decimal units ({@code 10GB}) are refused rather than guessed at.
 *
 * <pre>{@code
 * long limit = ByteSizes.parse("retention-bytes", "10GiB");   // 10737418240
 * }</pre>
 */
public final class ByteSizes {
  /** What a byte size looks like, for messages. */
  public static final String EXPECTED =
      "bytes, or a whole number with B, KiB, MiB, GiB or TiB, such as 64KiB or 10GiB";
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");

  private ByteSizes() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' (expected: " + EXPECTED + ")");
    }
    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
      case "B" -> 0;
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 40;
    };
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      n = Long.MAX_VALUE; // digits past the range of a long
      shift = 1;
    }
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("'" + text + "' is too large (expected: under 8192PiB)");
    }
    return n << shift;
  }

  /** {@link #parse(String)}, with the setting's name in front of any message. */
  public static long parse(String setting, String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
    }
  }

  /** {@link #parse(String)} for a size that must fit an {@code int} (under 2 GiB). */
  public static int parseInt(String text) {
    long n = parse(text);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("'" + text + "' is too large (expected: under 2GiB)");
    }
    return (int) n;
  }

  /** The shortest exact text {@link #parse} reads back: {@code 10GiB}, {@code 1536KiB}. */
  public static String format(long bytes) {
    String[] units = {"TiB", "GiB", "MiB", "KiB"};
    for (int i = 0; i < units.length; i++) {
      int shift = 40 - 10 * i;
      if (bytes != 0 && bytes % (1L << shift) == 0) {
        return (bytes >> shift) + units[i];
      }
    }
    return Long.toString(bytes);
  }
}
