package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The runner's flush and close bookkeeping, without a broker. */
class ClosingTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final Closing closing = new Closing(TIMEOUT);

  @Test
  void beforeCloseNothingExpiresAndDeadlinesStandAsGiven() {
    long now = System.nanoTime();

    assertThat(closing.isClosing()).isFalse();
    assertThat(closing.expired(now + TIMEOUT.toNanos() * 2)).isFalse();
    assertThat(closing.bound(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(closing.bound(now + 1)).isEqualTo(now + 1);
  }

  @Test
  void aFlushWaitsForWhatWasLoggedBeforeItOnly() {
    closing.flushTo(5);
    closing.flushTo(3); // an earlier flush asked for less: the later one still holds

    assertThat(closing.awaited(5)).isTrue();
    assertThat(closing.awaited(6)).isFalse();
  }

  @Test
  void closeBeginsOnceAndBoundsEveryWaitByTheCloseTimeout() {
    long before = System.nanoTime();
    assertThat(closing.begin(7)).isTrue();
    long after = System.nanoTime();
    assertThat(closing.begin(9)).isFalse();

    assertThat(closing.isClosing()).isTrue();
    assertThat(closing.awaited(100)).isTrue(); // everything goes at once
    long deadline = closing.bound(Long.MAX_VALUE);
    assertThat(deadline - before).isBetween(TIMEOUT.toNanos(), TIMEOUT.toNanos() + after - before);
    assertThat(closing.bound(deadline + 1)).isEqualTo(deadline);
    assertThat(closing.bound(deadline - 1)).isEqualTo(deadline - 1);
    assertThat(closing.expired(deadline - 1)).isFalse();
    assertThat(closing.expired(deadline)).isTrue();
  }
}
