package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.Level;
import org.junit.jupiter.api.Test;

/** The DrainSpec and update mask that {@code sluice drains create/update} options make. */
class DrainSpecOptionsTest {
  private final DrainSpecOptions options = new DrainSpecOptions();

  @Test
  void nothingGivenMakesANamedSpecAndAnEmptyMask() {
    assertThat(options.spec("audit", null, null))
        .isEqualTo(DrainSpec.newBuilder().setName("audit").build());
    assertThat(options.mask(null, null)).isEmpty();
  }

  @Test
  void everySettingGivenIsInTheSpecAndInTheMaskInFieldOrder() {
    options.filter = "demo-model.>";
    options.level = Level.WARN;
    options.batchLines = 500;
    options.flushIntervalMs = 2_000;

    assertThat(options.spec("audit", "https://x.example", "s".repeat(64)))
        .isEqualTo(DrainSpec.newBuilder().setName("audit").setUrl("https://x.example")
            .setSecret("s".repeat(64)).setFilter("demo-model.>").setMinLevel(Level.WARN)
            .setMaxBatchLines(500).setFlushIntervalMs(2_000).build());
    assertThat(options.mask("https://x.example", "s".repeat(64))).containsExactly("url",
        "secret", "filter", "min_level", "max_batch_lines", "flush_interval_ms");
  }

  @Test
  void levelAllIsInTheMaskThoughItSetsTheDefaultValue() {
    options.level = Level.LEVEL_UNSPECIFIED; // --level all

    assertThat(options.mask(null, null)).containsExactly("min_level");
    assertThat(options.spec("audit", null, "x").getMinLevel())
        .isEqualTo(Level.LEVEL_UNSPECIFIED);
    assertThat(options.mask(null, "x")).containsExactly("secret", "min_level");
  }
}
