package dev.sluice.bench.load;

/**
 * One subscriber's view of a row: lines received, and while recording, their latency from the
 * stamp in the payload. Called by the subscriber's delivery thread, read by the driver.
 */
final class Tap {
  private final long base;
  private final boolean full;
  private final Histogram histogram = new Histogram();
  private long count;
  private boolean recording;
  private volatile long visible;

  Tap(long base, boolean full) {
    this.base = base;
    this.full = full;
  }

  boolean full() {
    return full;
  }

  /** A received payload's stamp; negative for a record that is not a harness line. */
  synchronized void line(long stamp) {
    if (stamp < 0) {
      return;
    }
    if (recording) {
      histogram.record((System.nanoTime() - base - stamp) / 1_000);
    }
    visible = ++count;
  }

  /** Lines received so far (cheap; read often by the pacing loop). */
  long count() {
    return visible;
  }

  synchronized void recording(boolean on) {
    recording = on;
  }

  synchronized Histogram histogram() {
    Histogram copy = new Histogram();
    copy.add(histogram);
    return copy;
  }
}
