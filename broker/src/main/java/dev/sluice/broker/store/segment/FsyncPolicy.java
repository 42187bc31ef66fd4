package dev.sluice.broker.store.segment;

import dev.sluice.common.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * When appended data is forced to disk, and so what a crash can lose.
 *
 * <ul>
 *   <li>{@link #always()}: every group of appends is forced before any of it is acknowledged;
 *       a crash loses nothing acknowledged. Concurrent appends share one fsync (group commit).
 *   <li>{@link #interval(Duration)}: groups are forced at most every {@code interval}, and
 *       appends are acknowledged only after the force that covers them; a crash loses nothing
 *       acknowledged, and an append waits up to {@code interval} longer, in exchange for far
 *       fewer fsyncs under load.
 * </ul>
 * Neither policy acknowledges data that is not on disk; they trade latency for fsync count.
 */
public record FsyncPolicy(Duration interval) {
  public FsyncPolicy {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("fsync interval: " + interval + " (expected: >= 0)");
    }
  }

  public static FsyncPolicy always() {
    return new FsyncPolicy(Duration.ZERO);
  }

  public static FsyncPolicy interval(Duration interval) {
    return new FsyncPolicy(interval);
  }

  /**
   * Parses {@code always}, a number of milliseconds ({@code 5}), or a duration
   * ({@code 5ms}, {@link Durations}).
   */
  public static FsyncPolicy parse(String value) {
    if ("always".equals(value)) {
      return always();
    }
    try {
      return interval(value != null && value.matches("\\d{1,9}")
          ? Duration.ofMillis(Long.parseLong(value)) : Durations.parse(value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("fsync: '" + value
          + "' (expected: always, or a group-commit interval in ms, such as 5 or 5ms)");
    }
  }
}
