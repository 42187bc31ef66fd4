package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Free-text labels as the broker accepts them. */
class FreeTextTest {
  @Test
  void aLabelWithinTheLimitsPassesUnchanged() {
    String label = "é".repeat(FreeText.MAX_TEXT);

    assertThat(FreeText.check("node", label)).isSameAs(label);
  }

  @Test
  void aLabelTooLongOrWithAControlCharacterIsRefusedByName() {
    assertThatThrownBy(() -> FreeText.check("job", "x".repeat(FreeText.MAX_TEXT + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("job: 257 characters (expected: at most 256)");
    assertThatThrownBy(() -> FreeText.check("node", "a\tb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("node: ")
        .hasMessageEndingWith(
            " contains a control character at index 1 (expected: printable text)");
    assertThatThrownBy(() -> FreeText.check("caller", null))
        .isInstanceOf(NullPointerException.class).hasMessage("caller");
  }

  @Test
  void anOutcomeIsCleanedInsteadOfRefused() {
    assertThat(FreeText.clip(null)).isEmpty();
    assertThat(FreeText.clip("ValueError:\nbad\u0000input")).isEqualTo("ValueError: bad input");
    String clipped = FreeText.clip("x".repeat(300));
    assertThat(clipped).hasSize(FreeText.MAX_TEXT).endsWith("x...");
    assertThat(FreeText.clip("y".repeat(FreeText.MAX_TEXT))).isEqualTo("y".repeat(256));
  }
}
