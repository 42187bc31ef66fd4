package dev.sluice.client.tail;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect backoff with jitter, the runner SDK's policy: the n-th delay is drawn
 * from [base/2, base] where base = min(initial * 2^n, max). Jitter keeps every tail of a
 * restarted broker from knocking at the same instant. (A copy of the runner's package-private
 * class rather than a shared public one: neither package should export it.)
 */
final class Backoff {
  static final Duration INITIAL = Duration.ofMillis(100);
  static final Duration MAX = Duration.ofSeconds(5);

  private final long initialNanos;
  private final long maxNanos;
  private long nextBaseNanos;

  Backoff(Duration initial, Duration max) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.nextBaseNanos = initialNanos;
  }

  /** The delay before the next attempt; each call doubles the base up to the cap. */
  long nextDelayNanos() {
    long base = nextBaseNanos;
    nextBaseNanos = Math.min(maxNanos, base * 2);
    return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
  }

  /** A call worked for a while: start again from the initial delay. */
  void reset() {
    nextBaseNanos = initialNanos;
  }
}
