package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizesTest {

  @Test
  void readsPlainBytesAndBinaryUnits() {
    assertThat(ByteSizes.parse("0")).isZero();
    assertThat(ByteSizes.parse("65536")).isEqualTo(65_536);
    assertThat(ByteSizes.parse("512B")).isEqualTo(512);
    assertThat(ByteSizes.parse("64KiB")).isEqualTo(64L << 10);
    assertThat(ByteSizes.parse("16MiB")).isEqualTo(16L << 20);
    assertThat(ByteSizes.parse("10GiB")).isEqualTo(10L << 30);
    assertThat(ByteSizes.parse("2 TiB")).isEqualTo(2L << 40);
  }

  @Test
  void refusesDecimalUnitsAndNonsenseNamingTheSetting() {
    for (String bad : new String[] {"10GB", "10g", "", "-1", "1.5GiB", "GiB", "ten"}) {
      assertThatThrownBy(() -> ByteSizes.parse("retention-bytes", bad))
          .as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("retention-bytes: '" + bad + "'")
          .hasMessageContaining("expected:");
    }
  }

  @Test
  void refusesWhatDoesNotFit() {
    assertThatThrownBy(() -> ByteSizes.parse("99999999999999TiB")).hasMessageContaining("too large");
    assertThatThrownBy(() -> ByteSizes.parse("99999999999999999999")).hasMessageContaining("too large");
    assertThatThrownBy(() -> ByteSizes.parseInt("2GiB")).hasMessageContaining("under 2GiB");
    assertThat(ByteSizes.parseInt("1GiB")).isEqualTo(1 << 30);
  }

  @Test
  void formatIsReadBack() {
    assertThat(ByteSizes.format(10L << 30)).isEqualTo("10GiB");
    assertThat(ByteSizes.format(1536L << 10)).isEqualTo("1536KiB");
    assertThat(ByteSizes.format(1000)).isEqualTo("1000");
    assertThat(ByteSizes.format(0)).isEqualTo("0");
  }
}
