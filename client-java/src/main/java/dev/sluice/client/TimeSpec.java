package dev.sluice.client;

import dev.sluice.common.Durations;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A point in time given on the command line: an ISO-8601 instant ({@code 2026-11-21T10:00:00Z},
 * {@code 2026-11-21T11:00:00+01:00}, or a date {@code 2026-11-21} for its start in UTC), or a
 * duration ago ({@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}, {@code 1h30m}; the syntax of
 * {@link Durations}). Durations
 * are resolved against one "now" per command, so {@code --since 1h --to 5m} is exact. The
 * command line and the HTTP gateway read times with this one definition.
 *
 * <pre>{@code
 * long from = TimeSpec.parse("2h").unixNanos(Instant.now(), "--since");
 * }</pre>
 *
 * @param at the instant, or null for a duration ago
 * @param ago how long before now, or null for an instant
 */
public record TimeSpec(Instant at, Duration ago) {
  public static final String EXPECTED = "expected: an ISO-8601 time such as 2026-11-21T10:00:00Z, or "
      + "a duration ago such as 30s, 10m, 2h, 7d or 1h30m";

  /** Parses {@code value}; IllegalArgumentException saying what was expected. */
  public static TimeSpec parse(String value) {
    String v = value.trim();
    if (!v.isEmpty() && Character.isDigit(v.charAt(0)) && v.indexOf('-') < 0) {
      return new TimeSpec(null, duration(value));
    }
    try {
      if (v.length() == 10) {
        return new TimeSpec(LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant(), null);
      }
      return new TimeSpec(OffsetDateTime.parse(v).toInstant(), null);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("'" + value + "' (" + EXPECTED + ")");
    }
  }

  /** A positive duration such as {@code 30s}, {@code 10m}, {@code 1h30m}: {@link Durations}. */
  public static Duration duration(String value) {
    Duration total;
    try {
      total = Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + value + "' (" + EXPECTED + ")");
    }
    if (total.isZero()) {
      throw new IllegalArgumentException("'" + value + "' (expected: a duration > 0)");
    }
    return total;
  }

  /** This time as nanoseconds since the Unix epoch, durations counted back from {@code now}. */
  public long unixNanos(Instant now, String option) {
    Instant instant;
    try {
      instant = at != null ? at : now.minus(ago);
    } catch (DateTimeException | ArithmeticException e) {
      throw new IllegalArgumentException(option + ": '" + ago + "' is too long ago");
    }
    if (instant.getEpochSecond() < 0) {
      throw new IllegalArgumentException(option + ": " + instant
          + " is before 1970-01-01T00:00:00Z (expected: a later time)");
    }
    try {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L),
          instant.getNano());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(option + ": " + instant
          + " is too far in the future (expected: before 2262)");
    }
  }
}
