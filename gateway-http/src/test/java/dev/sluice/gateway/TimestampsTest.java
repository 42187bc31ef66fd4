package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-made timestamps equal what DateTimeFormatter writes, second changes included. */
class TimestampsTest {
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  void matchesTheFormatterForNearbyAndFarApartTimes() {
    SplittableRandom random = new SplittableRandom(7);
    long base = 1_796_600_000_000_000_000L;
    for (int i = 0; i < 20_000; i++) {
      // Half near each other (the cache's case), half anywhere from 1970 to 2200.
      long nanos = i % 2 == 0 ? base + random.nextLong(5_000_000_000L)
          : random.nextLong(7_258_118_400_000_000_000L);
      assertThat(Timestamps.string(nanos)).isEqualTo(ISO.format(Instant.ofEpochSecond(
          Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))));
    }
    assertThat(Timestamps.string(0)).isEqualTo("1970-01-01T00:00:00.000Z");
    assertThat(Timestamps.string(999_999_999)).isEqualTo("1970-01-01T00:00:00.999Z");
  }
}
