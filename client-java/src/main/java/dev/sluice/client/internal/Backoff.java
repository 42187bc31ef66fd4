package dev.sluice.client.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect backoff with jitter, shared by the runner SDK and the resuming tail:
 * the n-th delay is drawn from [base/2, base] where base = min(initial * 2^n, max). Jitter
 * keeps a fleet of runners (or tails) from reconnecting in lockstep after a broker restart.
 * Internal: not part of the client's API.
 */
public final class Backoff {
  public static final Duration INITIAL = Duration.ofMillis(100);
  public static final Duration MAX = Duration.ofSeconds(5);

  private final long initialNanos;
  private final long maxNanos;
  private long nextBaseNanos;

  public Backoff(Duration initial, Duration max) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.nextBaseNanos = initialNanos;
  }

  /** The delay before the next attempt; each call doubles the base up to the cap. */
  public long nextDelayNanos() {
    long base = nextBaseNanos;
    nextBaseNanos = Math.min(maxNanos, base * 2);
    return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
  }

  /** A connection worked: start again from the initial delay. */
  public void reset() {
    nextBaseNanos = initialNanos;
  }
}
