package dev.sluice.bench.load;

/**
 * One line of the table: a workload shape run against every system.
 *
 * @param rate offered lines per second, or 0 for as fast as possible
 * @param runners publishing runners (see {@link Workload})
 * @param set subscriber set: {@code 1full}, {@code 4full} or {@code 4mixed}
 */
record Row(String name, int rate, int runners, String set) {
  Row {
    if (rate < 0) {
      throw new IllegalArgumentException("rate: " + rate + " (expected: 0 for as fast as possible, or > 0)");
    }
    Workload.of(runners).filters(set); // validates the set
  }

  boolean paced() {
    return rate > 0;
  }
}
