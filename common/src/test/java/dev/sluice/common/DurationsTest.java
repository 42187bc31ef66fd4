package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void readsEveryUnitAndCompounds() {
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("30d")).isEqualTo(Duration.ofDays(30));
    assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse(" 45s ")).isEqualTo(Duration.ofSeconds(45));
    assertThat(Durations.parse("0s")).isZero();
  }

  @Test
  void readsIsoDurationsAsTheyPrint() {
    assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse(Duration.ofDays(30).toString())).isEqualTo(Duration.ofDays(30));
  }

  @Test
  void refusesABareNumberAnUnknownUnitAndNegativesNamingTheSetting() {
    for (String bad : new String[] {"30", "", "5 minutes", "1.5h", "-5s", "5s3", "s", "PT-1S",
        "10y"}) {
      assertThatThrownBy(() -> Durations.parse("retention-age", bad))
          .as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("retention-age: '" + bad + "'")
          .hasMessageContaining("expected:");
    }
  }

  @Test
  void refusesWhatDoesNotFitADuration() {
    assertThatThrownBy(() -> Durations.parse("999999999999999999d"))
        .hasMessageContaining("too long");
  }

  @Test
  void formatIsReadBack() {
    assertThat(Durations.format(Duration.ofDays(30))).isEqualTo("30d");
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    for (Duration d : new Duration[] {Duration.ofSeconds(20), Duration.ofMillis(1_001),
        Duration.ofHours(24)}) {
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
  }
}
