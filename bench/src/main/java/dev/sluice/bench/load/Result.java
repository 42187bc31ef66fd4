package dev.sluice.bench.load;

/**
 * What one system did in one row, over the measured interval.
 *
 * @param sentPerSecond lines the runners sent per second
 * @param deliveredPerSecond deliveries per second, summed over the row's subscribers
 * @param p50Micros latency quantiles over every delivery, from the stamp in the payload
 * @param serverCpuMicrosPerLine the server processes' CPU time per delivered line
 * @param clientCpuMicrosPerLine the harness JVM's (runners and subscribers) CPU per delivered line
 * @param heapBytes a JVM server's heap in use at the end (-1 for nats-server)
 * @param rssBytes the server's resident memory at the end
 * @param lost lines lost while measured: dropped by the runners (a full buffer, a failed
 *     publish ack) in the measured interval, plus lines a full tail had still not received 10 s
 *     after sending stopped that no runner counted as dropped
 * @param serverCpuEach each server process's CPU time per delivered line, by process name
 *     (one entry but for the gateway's rows: the broker's and the gateway's)
 */
record Result(String system, double sentPerSecond, double deliveredPerSecond, long p50Micros,
    long p99Micros, long p999Micros, double serverCpuMicrosPerLine, double clientCpuMicrosPerLine,
    long heapBytes, long rssBytes, long lost, String error,
    java.util.Map<String, Double> serverCpuEach) {

  static Result failed(String system, String error) {
    return new Result(system, 0, 0, -1, -1, -1, 0, 0, -1, -1, 0, error, java.util.Map.of());
  }
}
