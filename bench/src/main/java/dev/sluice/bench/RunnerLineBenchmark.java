package dev.sluice.bench;

import dev.sluice.client.runner.RunnerFixture;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import java.time.Instant;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What a logging thread does for each line before the hand-off to the runner's sender: read
 * the wall clock and encode the line (a 200-byte message of one of 6,400 requests). The
 * encoder is not public API: the client's test fixture {@link RunnerFixture} reaches it. Scores
 * are lines per second; {@code instantNow} and {@code nanoTime} are the two clocks alone, in
 * the same run.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar RunnerLineBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * }</pre>
 */
@State(Scope.Thread)
public class RunnerLineBenchmark extends QuickBenchmark {
  static final int REQUESTS = 6_400;

  final String[] requests = new String[REQUESTS];
  final String message = "0".repeat(19) + " " + "x".repeat(180);
  int next;

  public RunnerLineBenchmark() {
    for (int i = 0; i < REQUESTS; i++) {
      requests[i] = String.format("q%04d", i);
    }
  }

  @Benchmark
  public long instantNow() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public long runnerClock() {
    return RunnerFixture.now();
  }

  /** The clock and the encoding, as {@code SluiceRunner.log} does them for a plain line. */
  @Benchmark
  public byte[] clockAndEncode() {
    int i = next;
    next = i + 1 == REQUESTS ? 0 : i + 1;
    return RunnerFixture.line(RunnerFixture.now(), Level.INFO, Stream.STRUCTURED, message,
        requests[i]);
  }
}
