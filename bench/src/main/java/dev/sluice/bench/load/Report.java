package dev.sluice.bench.load;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The harness's table, in Markdown, with Sluice's ratios against NATS from the same run. */
final class Report {
  private final LoadHarness.Options options;
  private final StringBuilder rows = new StringBuilder();
  private final List<String> scenarios = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private double yardstickStart = Double.NaN;
  private double yardstickEnd = Double.NaN;

  Report(LoadHarness.Options options) {
    this.options = options;
  }

  void add(Row row, Map<String, Result> results) {
    Result nats = results.get("nats");
    Result js = results.get("jetstream");
    for (Result r : results.values()) {
      if (r.error() != null && !r.error().startsWith("overloaded")) {
        errors.add(row.name() + " " + r.system() + ": " + r.error());
      }
      boolean sluice = r.system().equals("sluice");
      rows.append(String.format("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          row.name(), r.system(), row.paced() ? String.format("%,d", row.rate()) : "max",
          r.error() != null && !r.error().startsWith("overloaded") ? "failed"
              : String.format("%,.0f", r.deliveredPerSecond()),
          sluice ? ratio(r.deliveredPerSecond(), nats == null ? 0 : nats.deliveredPerSecond()) : "",
          sluice ? ratio(r.deliveredPerSecond(), js == null ? 0 : js.deliveredPerSecond()) : "",
          ms(r.p50Micros()), ms(r.p99Micros()), ms(r.p999Micros()),
          sluice && nats != null && nats.p99Micros() > 0 && r.p99Micros() > 0
              ? String.format("%.2f", r.p99Micros() / (double) nats.p99Micros()) : "",
          String.format("%.2f", r.serverCpuMicrosPerLine()),
          String.format("%.2f", r.clientCpuMicrosPerLine()),
          r.heapBytes() < 0 ? "" : String.format("%,d", r.heapBytes() >> 20),
          r.rssBytes() < 0 ? "" : String.format("%,d", r.rssBytes() >> 20),
          r.error() != null && r.error().startsWith("overloaded") ? r.lost() + " (overloaded)"
              : Long.toString(r.lost())));
    }
  }

  void addScenario(String name, String line) {
    scenarios.add("- **" + name + "**: " + line);
  }

  /** {@link Yardstick#copyGbPerSecond()} before the first row. */
  void yardstickAtStart(double gbPerSecond) {
    yardstickStart = gbPerSecond;
  }

  double yardstickAtStart() {
    return yardstickStart;
  }

  /** {@link Yardstick#copyGbPerSecond()} after the last row or scenario. */
  void yardstickAtEnd(double gbPerSecond) {
    yardstickEnd = gbPerSecond;
  }

  boolean failed() {
    return !errors.isEmpty();
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("Date %s; %d cores, JDK %s (%s); warmup %d s, measured %d s per cell.%n%n",
        LocalDate.now(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), System.getProperty("java.vm.name"),
        options.warmup.toSeconds(), options.measure.toSeconds()));
    if (!Double.isNaN(yardstickStart)) {
      out.append(String.format("Machine yardstick (one thread copying 8 MiB arrays, best of 5): "
          + "%.1f GB/s at the start, %s at the end.%n%n", yardstickStart,
          Double.isNaN(yardstickEnd) ? "not measured" : String.format("%.1f GB/s", yardstickEnd)));
    }
    out.append("| row | system | offered lines/s | delivered/s | ÷ nats | ÷ jetstream | p50 ms | p99 ms "
        + "| p999 ms | p99 ÷ nats | server CPU µs/line | client CPU µs/line | heap MiB | RSS MiB | lost |\n");
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    out.append(rows);
    if (!scenarios.isEmpty()) {
      out.append('\n');
      scenarios.forEach(s -> out.append(s).append('\n'));
    }
    if (!errors.isEmpty()) {
      out.append("\nFailures:\n");
      errors.forEach(e -> out.append("- ").append(e.lines().findFirst().orElse(e)).append('\n'));
    }
    return out.toString();
  }

  static String brief(Result r) {
    if (r.error() != null && !r.error().startsWith("overloaded")) {
      return "FAILED: " + r.error();
    }
    return String.format("delivered %,.0f/s (sent %,.0f/s), p50 %s ms, p99 %s ms, p999 %s ms, "
        + "server %.2f µs/line, client %.2f µs/line, lost %d%s", r.deliveredPerSecond(),
        r.sentPerSecond(), ms(r.p50Micros()), ms(r.p99Micros()), ms(r.p999Micros()),
        r.serverCpuMicrosPerLine(), r.clientCpuMicrosPerLine(), r.lost(),
        r.error() == null ? "" : " [" + r.error() + "]");
  }

  private static String ratio(double a, double b) {
    return b <= 0 ? "" : String.format("%.2f", a / b);
  }

  private static String ms(long micros) {
    return micros < 0 ? "" : String.format("%.2f", micros / 1000.0);
  }
}
