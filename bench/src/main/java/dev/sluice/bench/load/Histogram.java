package dev.sluice.bench.load;

/**
 * Latencies in microseconds: exact below 1,024 µs, then within 0.2% (512 steps per power of
 * two), up to about 2^40 µs. Not thread-safe; each subscriber keeps its own and they are merged.
 */
final class Histogram {
  private static final int EXACT = 1024;
  private static final int STEPS = 512;
  private static final int SHIFTS = 40;
  private final long[] counts = new long[EXACT + SHIFTS * STEPS];
  private long total;

  void record(long micros) {
    long v = Math.max(0, micros);
    counts[Math.min(counts.length - 1, index(v))]++;
    total++;
  }

  void add(Histogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
  }

  /** What was recorded since {@code earlier}, a copy taken of this one before. */
  Histogram minus(Histogram earlier) {
    Histogram out = new Histogram();
    for (int i = 0; i < counts.length; i++) {
      out.counts[i] = counts[i] - earlier.counts[i];
    }
    out.total = total - earlier.total;
    return out;
  }

  long count() {
    return total;
  }

  /** The value at quantile {@code q} (0..1), in microseconds; -1 if empty. */
  long quantile(double q) {
    if (total == 0) {
      return -1;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return value(i);
      }
    }
    return value(counts.length - 1);
  }

  static int index(long v) {
    if (v < EXACT) {
      return (int) v;
    }
    int shift = 63 - Long.numberOfLeadingZeros(v) - 9; // v >> shift is in [512, 1024)
    return EXACT + (shift - 1) * STEPS + (int) ((v >> shift) - STEPS);
  }

  /** The upper end of bucket {@code index}, so a quantile is never understated. */
  static long value(int index) {
    if (index < EXACT) {
      return index;
    }
    int shift = (index - EXACT) / STEPS + 1;
    long mantissa = (index - EXACT) % STEPS + STEPS;
    return ((mantissa + 1) << shift) - 1;
  }
}
