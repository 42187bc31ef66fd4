package dev.sluice.client.runner;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WallClockTest {
  private static final long TOLERANCE = TimeUnit.MILLISECONDS.toNanos(20);

  @Test
  void readsTheSystemClockAcrossRecalibrations() {
    // Longer than the calibration interval, so the offset is taken again at least once.
    long end = System.nanoTime() + WallClock.RECALIBRATE_NANOS * 3 / 2;
    for (int i = 0; i < 50_000_000 && System.nanoTime() < end; i++) {
      long before = WallClock.systemNanos();
      long now = WallClock.nowNanos();
      long after = WallClock.systemNanos();
      assertTrue(now >= before - TOLERANCE && now <= after + TOLERANCE,
          "clock " + now + " outside [" + before + ", " + after + "] by more than 20 ms");
    }
  }

  @Test
  void moves() {
    long first = WallClock.nowNanos();
    long last = first;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (last == first && System.nanoTime() < deadline) {
      last = WallClock.nowNanos();
    }
    assertTrue(last > first, "the clock did not move in 5 s");
  }

  @Test
  void stampsLinesWithTheWallClock() {
    long before = WallClock.systemNanos();
    long stamped = SluiceRunner.nowNanos();
    assertTrue(Math.abs(stamped - before) < TimeUnit.SECONDS.toNanos(1),
        "a line's time is the wall clock, not the monotonic clock");
  }
}
