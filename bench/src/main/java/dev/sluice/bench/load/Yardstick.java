package dev.sluice.bench.load;

/**
 * How fast this machine is right now, for reading runs of different days side by side: one
 * thread copying 8 MiB arrays (beyond the caches, as the systems' own traffic is), best of
 * five rounds. The machine is shared, and on a busy day both systems slow down together;
 * this says by how much the machine did. Bounded: 5 rounds of 32 copies, well under a second.
 */
final class Yardstick {
  private static final int BYTES = 8 << 20;
  private static final int COPIES = 32;
  private static final int ROUNDS = 5;

  private Yardstick() {}

  /** Gigabytes copied per second. */
  static double copyGbPerSecond() {
    byte[] from = new byte[BYTES];
    byte[] to = new byte[BYTES];
    for (int i = 0; i < BYTES; i += 4096) {
      from[i] = (byte) i; // touch every page before timing
      to[i] = (byte) i;
    }
    long best = Long.MAX_VALUE;
    for (int round = 0; round < ROUNDS; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < COPIES; i++) {
        System.arraycopy(from, 0, to, 0, BYTES);
        from[i] = to[BYTES - 1 - i]; // a dependency, so no copy can be skipped
      }
      best = Math.min(best, System.nanoTime() - start);
    }
    return (double) BYTES * COPIES / best;
  }
}
