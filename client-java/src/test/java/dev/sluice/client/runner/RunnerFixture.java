package dev.sluice.client.runner;

import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;

/**
 * Test fixture: what a logging thread does for each line before the hand-off (the runner's
 * clock and its line encoder), for benchmarks outside this package. It is the client's test-jar
 * (only this class), so the encoder stays out of the public API.
 */
public final class RunnerFixture {
  private RunnerFixture() {}

  /** The runner's wall clock, in Unix nanoseconds. */
  public static long now() {
    return SluiceRunner.nowNanos();
  }

  /** One plain line as the runner encodes it for the wire. */
  public static byte[] line(long timeUnixNano, Level level, Stream stream, String message,
      String requestId) {
    return Frames.line(timeUnixNano, level, stream, message, requestId, null);
  }
}
