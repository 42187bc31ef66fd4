package dev.sluice.broker.ingest;

import dev.sluice.broker.stats.Stats;
import dev.sluice.proto.v1.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-account ingest limits: a token bucket of lines and one of bytes, each refilled at its
 * rate up to a burst. Every account has its own bucket and lock, so a noisy account never
 * slows another.
 *
 * <p>Over the limit, lines are shed by priority: DEBUG and TRACE go first (they need half the
 * burst left), then INFO (needs tokens left), then WARN (may overdraw a quarter of the burst).
 * ERROR, FATAL and request events are never shed; they may push the buckets into debt, which
 * sheds the lower levels for longer.
 */
public final class TenantLimiter {
  private final double linesPerSecond;
  private final double bytesPerSecond;
  private final double burstSeconds;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Bucket> accounts = new ConcurrentHashMap<>();
  private final Stats.PerAccount shed;

  public TenantLimiter(long linesPerSecond, long bytesPerSecond, double burstSeconds,
      LongSupplier nanoTime, Stats stats) {
    this.shed = stats.perAccount("ingest.shed_lines",
        "lines shed at ingest over their account's limit, by account");
    this.linesPerSecond = linesPerSecond;
    this.bytesPerSecond = bytesPerSecond;
    this.burstSeconds = burstSeconds;
    this.nanoTime = nanoTime;
  }

  /** How many lines of each level a batch may keep, indexed by {@link Level#getNumber()}. */
  int[] admit(String account, int[] linesByLevel, long[] bytesByLevel) {
    Bucket bucket = accounts.computeIfAbsent(account, a -> new Bucket(
        linesPerSecond * burstSeconds, bytesPerSecond * burstSeconds, nanoTime.getAsLong()));
    synchronized (bucket) {
      bucket.refill(nanoTime.getAsLong());
      int[] admitted = new int[linesByLevel.length];
      // Highest priority first, so within one batch DEBUG is shed before INFO before WARN.
      for (int level = Level.FATAL_VALUE; level >= Level.TRACE_VALUE; level--) {
        admitted[level] = bucket.take(linesByLevel[level], bytesByLevel[level], floor(level));
      }
      return admitted;
    }
  }

  /** Counts lines the account's sessions shed (for metrics). */
  void countShed(String account, long lines) {
    shed.add(account, lines);
  }

  /** The bucket level (as a fraction of the burst) a level needs to be admitted. */
  private static double floor(int level) {
    if (level >= Level.ERROR_VALUE) {
      return Double.NEGATIVE_INFINITY; // never shed
    }
    if (level == Level.WARN_VALUE) {
      return -0.25;
    }
    if (level == Level.INFO_VALUE) {
      return 0;
    }
    return 0.5;
  }

  private final class Bucket {
    private final double lineBurst;
    private final double byteBurst;
    private double lines;
    private double bytes;
    private long last;

    Bucket(double lineBurst, double byteBurst, long now) {
      this.lineBurst = lineBurst;
      this.byteBurst = byteBurst;
      this.lines = lineBurst;
      this.bytes = byteBurst;
      this.last = now;
    }

    void refill(long now) {
      double seconds = Math.max(0, now - last) / 1e9;
      last = now;
      lines = Math.min(lineBurst, lines + seconds * linesPerSecond);
      bytes = Math.min(byteBurst, bytes + seconds * bytesPerSecond);
    }

    int take(int count, long byteCount, double floorFraction) {
      if (count == 0) {
        return 0;
      }
      int k = count;
      if (floorFraction != Double.NEGATIVE_INFINITY) {
        double perLine = (double) byteCount / count;
        double byLines = lines - floorFraction * lineBurst;
        double byBytes = perLine == 0 ? Double.MAX_VALUE
            : (bytes - floorFraction * byteBurst) / perLine;
        k = (int) Math.max(0, Math.min(count, Math.floor(Math.min(byLines, byBytes))));
      }
      lines -= k;
      bytes -= k * ((double) byteCount / count);
      // Debt is bounded, so a flood of errors cannot shut out lower levels forever.
      lines = Math.max(lines, -lineBurst);
      bytes = Math.max(bytes, -byteBurst);
      return k;
    }
  }
}
