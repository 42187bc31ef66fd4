package dev.sluice.client.runner;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's flush and close bookkeeping: how far the held items must go out at once because
 * a flush or the close waits for them, and, once close has begun, the deadline that bounds
 * every wait of the sender from then on. Kept apart from {@link LinkState} so that the close
 * timeout is applied in one place rather than in each of its waits.
 *
 * <p>Not thread-safe: {@link LinkState} calls it under its lock.
 */
final class Closing {
  // Under LinkState's name, as before this class was split off.
  private static final Logger LOG = LoggerFactory.getLogger(LinkState.class);

  private final long timeoutNanos;
  private boolean closing;
  private long deadlineNanos;
  private long flushUpTo;

  Closing(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /**
   * Close begins: the close timeout starts and everything up to {@code lastSeq} is to go at
   * once. False if it had begun already.
   */
  boolean begin(long lastSeq) {
    if (closing) {
      return false;
    }
    closing = true;
    deadlineNanos = System.nanoTime() + timeoutNanos;
    flushUpTo = lastSeq;
    return true;
  }

  boolean isClosing() {
    return closing;
  }

  /** A flush waits for everything up to {@code seq}. */
  void flushTo(long seq) {
    flushUpTo = Math.max(flushUpTo, seq);
  }

  /** Whether the item numbered {@code seq} must go at once: a flush or the close waits. */
  boolean awaited(long seq) {
    return closing || seq <= flushUpTo;
  }

  /** True once the close timeout has passed. */
  boolean expired(long now) {
    return closing && now - deadlineNanos >= 0;
  }

  /**
   * {@code deadline}, or the close deadline when that comes first ({@link Long#MAX_VALUE}:
   * none).
   */
  long bound(long deadline) {
    return closing && (deadline == Long.MAX_VALUE || deadline - deadlineNanos > 0)
        ? deadlineNanos : deadline;
  }

  /** The close gave up on the stream ({@code reason}) with {@code left} items unacknowledged. */
  void gaveUp(String runnerName, int left, String reason) {
    if (left > 0) {
      LOG.warn("closing runner {}: {} lines and events were not acknowledged ({})",
          runnerName, left, reason);
    }
  }
}
