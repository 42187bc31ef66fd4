package dev.sluice.bench.load;

import dev.sluice.client.run.ProcessCapture;
import dev.sluice.client.runner.SluiceRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code sluice run}'s capture rate: a child printing 200-byte lines as fast as it can (mawk,
 * block-buffered; or Python's print, unbuffered as sluice run makes it), once with its output to /dev/null (the baseline) and once under
 * {@link ProcessCapture} into a broker in a JVM of its own (durable store, default fsync),
 * alternating, in one run. Reports the child's own time in both, the capture's lines/s (every
 * line stored: the run ends once the broker acknowledged the last), and the ratios.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.sluice.bench.load.CaptureBench [LINES] [ROUNDS] [awk|python]
 * </pre>
 */
public final class CaptureBench {
  private CaptureBench() {}

  public static void main(String[] args) throws Exception {
    long lines = args.length > 0 ? Long.parseLong(args[0]) : 3_000_000L;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String program = args.length > 2 ? args[2] : "awk";
    List<String> child = switch (program) {
      case "awk" -> List.of("awk", "-v", "n=" + lines,
          "BEGIN { s = sprintf(\"%0199d\", 0); for (i = 0; i < n; i++) print s }");
      // print() per line, unbuffered as sluice run makes Python (PYTHONUNBUFFERED=1).
      case "python" -> List.of("env", "PYTHONUNBUFFERED=1", "python3", "-c",
          "s = '0' * 199\nfor _ in range(" + lines + "):\n    print(s)");
      default -> throw new IllegalArgumentException("child: " + program
          + " (expected: awk or python)");
    };
    System.out.printf(Locale.ROOT, "capture bench: %s printing %,d lines of 200 bytes, %d "
        + "rounds%n", program, lines, rounds);
    List<String> rows = new ArrayList<>();
    try (SluiceTarget broker = SluiceTarget.start("1g", List.of())) {
      warmUp(broker, child);
      for (int round = 1; round <= rounds; round++) {
        double alone = seconds(baseline(child));
        ProcessCapture capture = new ProcessCapture(runner(broker), Duration.ofMinutes(2));
        long start = System.nanoTime();
        int code = capture.run(child);
        double stored = (System.nanoTime() - start) / 1e9;
        double captured = seconds(capture.childTime());
        if (code != 0) {
          throw new IllegalStateException("the child exited with " + code);
        }
        String row = String.format(Locale.ROOT,
            "| %d | %.3f | %,.0f | %.3f | %.2f | %,.0f |", round, alone, lines / alone,
            captured, alone / captured, lines / stored);
        rows.add(row);
        System.out.println(row);
      }
    }
    System.out.println();
    System.out.println("| round | child alone s | alone lines/s | child captured s "
        + "| child speed ÷ alone | captured and stored lines/s |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    rows.forEach(System.out::println);
  }

  private static SluiceRunner runner(SluiceTarget broker) {
    // A buffer that holds the whole burst: the figure is the capture's rate, not its shedding.
    return SluiceRunner.builder().target(broker.address()).app("bench").runner("capture")
        .bufferRecords(1_000_000).build();
  }

  private static void warmUp(SluiceTarget broker, List<String> child) throws Exception {
    for (int i = 0; i < 2; i++) {
      new ProcessCapture(runner(broker), Duration.ofMinutes(1)).run(child);
    }
  }

  private static Duration baseline(List<String> child) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process p = new ProcessBuilder(child).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.waitFor();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
