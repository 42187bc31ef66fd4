package dev.sluice.client.runner;

import dev.sluice.proto.v1.Welcome;

/**
 * How the runner batches: when the unsent items must go, and how much one frame carries (the
 * runner's {@code maxBatchRecords} and the broker's frame limit, both as lowered by its
 * Welcome). Kept apart from {@link LinkState}, which decides what the sender does next; this
 * decides only when sending is due.
 *
 * <p>Not thread-safe: {@link LinkState} calls it under its lock.
 */
final class Batching {
  /**
   * Frames that may be in flight before a partial batch waits for company: enough to keep
   * the broker's group commit busy (one frame being forced, others queued behind it) without
   * sending a frame per line.
   */
  static final int EAGER_FRAMES = 2;
  /** Room left in a frame for the frame's own framing beyond the lines. */
  private static final int FRAME_SLACK = 1024;
  private static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

  private final int maxBatchRecords;
  private final long lingerNanos;
  private int maxLines;
  private int maxBytes = DEFAULT_MAX_FRAME_BYTES - FRAME_SLACK;

  Batching(RunnerSettings settings) {
    this.maxBatchRecords = settings.maxBatchRecords();
    this.lingerNanos = settings.linger().toNanos();
    this.maxLines = maxBatchRecords;
  }

  /**
   * Whether the sender must wake now that {@code unsent} items wait: one wake-up starts the
   * linger timer, one more says a batch is full; none per line.
   */
  boolean wakesSender(int unsent) {
    return unsent == 1 || unsent == maxLines;
  }

  /**
   * When the unsent items must go ({@link Long#MAX_VALUE}: none wait): at once when a batch is
   * full, the close or a flush waits for them, or fewer than {@link #EAGER_FRAMES} frames are
   * in flight (so a line never waits for the linger while the stream has room: it goes now,
   * and what is logged meanwhile gathers until an ack, a full batch or the linger).
   */
  long dueAtNanos(Outbox outbox, long now, Closing closing) {
    if (outbox.unsentCount() == 0) {
      return Long.MAX_VALUE;
    }
    if (outbox.unsentCount() >= maxLines || closing.awaited(outbox.oldestUnsentSeq())
        || outbox.framesInFlight() < EAGER_FRAMES) {
      return now;
    }
    return outbox.oldestUnsentNanos() + lingerNanos;
  }

  /** The next frame to send, its items now in flight; null if nothing is unsent. */
  Frames.Out nextFrame(Outbox outbox) {
    return outbox.nextFrame(maxLines, maxBytes);
  }

  /** Takes the broker's limits from its Welcome; zero means it set none. */
  void welcomed(Welcome welcome) {
    if (welcome.getMaxRecordsPerBatch() > 0) {
      maxLines = Math.min(maxBatchRecords, welcome.getMaxRecordsPerBatch());
    }
    int frameBytes = welcome.getMaxFrameBytes() > 0 ? welcome.getMaxFrameBytes()
        : DEFAULT_MAX_FRAME_BYTES;
    maxBytes = Math.max(frameBytes - FRAME_SLACK, 1);
  }
}
