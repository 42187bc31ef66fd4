package dev.sluice.client.runner;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The wall clock in nanoseconds since the epoch, read for every line logged: the monotonic
 * clock plus an offset taken from {@link Instant#now()} at most {@link #RECALIBRATE_NANOS}
 * ago. {@code System.nanoTime()} is a plain call into the kernel's clock page where
 * {@code Instant.now()} goes through the JVM and builds an object; per line that was about a
 * third of the clock-and-encode time. Between two calibrations the time drifts from the
 * system clock by at most the NTP slew rate (0.5 ms per second); a step of the system clock
 * shows within a second. Thread-safe: the calibration is one immutable pair behind a
 * volatile read.
 */
final class WallClock {
  static final long RECALIBRATE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Calibration(long monotonic, long wallMinusMonotonic) {}

  private static volatile Calibration calibration = calibrate();

  private WallClock() {}

  static long nowNanos() {
    long monotonic = System.nanoTime();
    Calibration c = calibration;
    if (monotonic - c.monotonic() >= RECALIBRATE_NANOS) {
      c = calibrate();
      calibration = c;
      monotonic = System.nanoTime();
    }
    return monotonic + c.wallMinusMonotonic();
  }

  /** The system clock, read the slow way (and what the offset is taken from). */
  static long systemNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static Calibration calibrate() {
    long before = System.nanoTime();
    long wall = systemNanos();
    long after = System.nanoTime();
    long monotonic = before + (after - before) / 2;
    return new Calibration(monotonic, wall - monotonic);
  }
}
