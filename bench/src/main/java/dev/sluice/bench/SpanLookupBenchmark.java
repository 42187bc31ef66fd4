package dev.sluice.bench;

import dev.sluice.client.runner.RunnerFixture;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What OpenTelemetry correlation costs a logged line: {@code logged} is the clock, the current
 * span's ids and the encoding, as {@code SluiceRunner.log} does them; {@code clockAndEncode},
 * in the same run, is the line without the span lookup. The bench jar does not hold
 * OpenTelemetry's API, so the plain run measures a runner without it (one field read); with the
 * API's jars added to the class path, {@code span=outside} is an app with OpenTelemetry but no
 * span current, {@code span=inside} a line logged inside a span (bench/README.md, "Capture").
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar SpanLookupBenchmark -p span=outside
 * java -cp bench/target/benchmarks.jar:opentelemetry-api.jar:opentelemetry-context.jar \
 *     org.openjdk.jmh.Main SpanLookupBenchmark
 * }</pre>
 */
@State(Scope.Thread)
public class SpanLookupBenchmark extends QuickBenchmark {
  @Param({"outside", "inside"})
  public String span;

  final String message = "0".repeat(19) + " " + "x".repeat(180);
  final String[] requests = new String[RunnerLineBenchmark.REQUESTS];
  int next;
  AutoCloseable scope;

  public SpanLookupBenchmark() {
    for (int i = 0; i < requests.length; i++) {
      requests[i] = String.format("q%04d", i);
    }
  }

  @Setup(org.openjdk.jmh.annotations.Level.Trial)
  public void enter() {
    if (span.equals("inside")) {
      scope = RunnerFixture.enterSpan(); // on the benchmark's thread: the state is per thread
    }
  }

  @TearDown(org.openjdk.jmh.annotations.Level.Trial)
  public void leave() throws Exception {
    if (scope != null) {
      scope.close();
    }
  }

  @Benchmark
  public byte[] logged() {
    return RunnerFixture.logged(Level.INFO, Stream.STRUCTURED, message, request());
  }

  @Benchmark
  public byte[] clockAndEncode() {
    return RunnerFixture.line(RunnerFixture.now(), Level.INFO, Stream.STRUCTURED, message,
        request());
  }

  private String request() {
    int i = next;
    next = i + 1 == requests.length ? 0 : i + 1;
    return requests[i];
  }
}
