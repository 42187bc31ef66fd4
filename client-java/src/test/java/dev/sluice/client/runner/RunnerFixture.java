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

  /**
   * What {@code SluiceRunner.log} does for a plain line: the clock, the ids of the
   * OpenTelemetry span current on this thread (when OpenTelemetry's API is on the class path)
   * and the encoding.
   */
  public static byte[] logged(Level level, Stream stream, String message, String requestId) {
    return Frames.line(SluiceRunner.nowNanos(), level, stream, message, requestId, null,
        CurrentSpan.ids());
  }

  /**
   * Makes a valid span current on this thread until the answer is closed. Needs
   * OpenTelemetry's API on the class path; nothing else in this class does.
   */
  public static AutoCloseable enterSpan() {
    return io.opentelemetry.api.trace.Span.wrap(io.opentelemetry.api.trace.SpanContext.create(
        "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        io.opentelemetry.api.trace.TraceFlags.getSampled(),
        io.opentelemetry.api.trace.TraceState.getDefault())).makeCurrent();
  }

  /** One plain line as the runner encodes it for the wire. */
  public static byte[] line(long timeUnixNano, Level level, Stream stream, String message,
      String requestId) {
    return Frames.line(timeUnixNano, level, stream, message, requestId, null);
  }
}
