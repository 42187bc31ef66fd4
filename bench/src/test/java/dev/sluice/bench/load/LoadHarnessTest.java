package dev.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The load harness end to end, short: every system (a broker JVM, nats-server, nats-server
 * with JetStream, each started here on 127.0.0.1) carries a row, and the table shows the
 * ratios. Figures are not asserted (they belong to bench/README.md, not to a unit test); that
 * every line arrives, and that the scenarios finish without an OutOfMemoryError, is.
 */
class LoadHarnessTest {
  private static final LoadHarness.Options SHORT =
      LoadHarness.Options.parse(new String[] {"--warmup", "1", "--measure", "2s"});

  @Test
  void everySystemDeliversEveryLineOfARow() {
    Row row = new Row("1r-4full", 0, 1, "4full");
    Map<String, Result> results = new LinkedHashMap<>();
    for (String system : LoadHarness.SYSTEMS) {
      Result r = LoadHarness.runRow(system, row, SHORT);
      assertThat(r.error()).as(system).isNull();
      assertThat(r.lost()).as(system + " lost").isZero();
      assertThat(r.deliveredPerSecond()).as(system).isPositive();
      // Four full tails: every sent line is delivered four times.
      assertThat(r.deliveredPerSecond()).as(system)
          .isBetween(3.0 * r.sentPerSecond(), 5.0 * r.sentPerSecond());
      assertThat(r.p99Micros()).as(system).isGreaterThanOrEqualTo(r.p50Micros()).isPositive();
      assertThat(r.serverCpuMicrosPerLine()).as(system).isPositive();
      assertThat(r.rssBytes()).as(system).isPositive();
      results.put(system, r);
    }
    assertThat(results.get("sluice").heapBytes()).isPositive();

    Report report = new Report(SHORT);
    report.yardstickAtStart(Yardstick.copyGbPerSecond());
    report.add(row, results);
    report.yardstickAtEnd(Yardstick.copyGbPerSecond());
    String table = report.markdown();
    assertThat(report.failed()).isFalse();
    assertThat(report.yardstickAtStart()).isPositive().isFinite();
    assertThat(table).containsPattern("yardstick .*: \\d+\\.\\d GB/s at the start, \\d+\\.\\d GB/s at the end");
    Matcher sluice = Pattern.compile("\\| 1r-4full \\| sluice \\| max \\| [\\d,]+ \\| (\\d+\\.\\d\\d) \\| (\\d+\\.\\d\\d) \\|")
        .matcher(table);
    assertThat(sluice.find()).as(table).isTrue();
    double vsNats = Double.parseDouble(sluice.group(1));
    assertThat(vsNats).isEqualTo(results.get("sluice").deliveredPerSecond()
        / results.get("nats").deliveredPerSecond(), org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void aPacedRowSendsAtItsRate() {
    Result r = LoadHarness.runRow("sluice", new Row("paced-2k", 2_000, 64, "4mixed"), SHORT);

    assertThat(r.error()).isNull();
    assertThat(r.lost()).isZero();
    assertThat(r.sentPerSecond()).isBetween(1_900.0, 2_100.0);
    assertThat(r.p50Micros()).isPositive();
  }

  @Test
  void theStalledSubscriberScenarioIngestsWithoutRunningOutOfMemory() {
    String line = Scenarios.stalledSubscriber(true);

    assertThat(line).contains("no OutOfMemoryError");
    assertThat(Pattern.compile("= \\d+\\.\\d\\d x").matcher(line).find()).as(line).isTrue();
  }

  @Test
  void theIdleTailScenarioMeasuresHeapPerTail() throws Exception {
    String line = Scenarios.idleTails(true);

    Matcher m = Pattern.compile("= ([\\d,.]+) KB per tail").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    assertThat(Double.parseDouble(m.group(1).replace(",", ""))).isPositive();
  }

  @Test
  void theAbuseScenarioMeasuresTheVictimThroughEveryAttack() throws Exception {
    String report = Attacks.run(true);
    assertThat(report).contains("| no attack |", "tails that never read + 1 MB/s",
        "| PING flood |", "| rapid reset |", "| no attack, again |");
    // The victim got lines in every phase: a quantile of an empty phase would be negative.
    assertThat(report).doesNotContain("| -0.00 |");
  }

  @Test
  void theGatewayScenarioComparesSseWithGrpcAndMeasuresIdleClients() {
    String report = GatewayScenario.run(true, Duration.ofSeconds(1), Duration.ofSeconds(2), null);

    assertThat(report).contains("| 1 | gRPC |", "| 2 | SSE |",
        "every line delivered, in order: yes", "records in sequence order, each with its id");
    Matcher ratio = Pattern.compile("SSE ÷ gRPC = (\\d+\\.\\d\\d) x").matcher(report);
    assertThat(ratio.find()).as(report).isTrue();
    assertThat(Double.parseDouble(ratio.group(1))).as(report).isPositive();
    Matcher idle = Pattern.compile("50 idle SSE clients .* = ([\\d,.]+) KB per client .*RSS")
        .matcher(report);
    assertThat(idle.find()).as(report).isTrue();
  }

  @Test
  void badOptionsSayWhatWasExpected() {
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--rows", "nope"}))
        .hasMessageContaining("--rows: 'nope' (expected one of [1r-1full");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--measure", "0"}))
        .hasMessage("--measure: '0' (expected: seconds or a duration, 1s..600s)");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--measure", "11m"}))
        .hasMessage("--measure: '11m' (expected: seconds or a duration, 1s..600s)");
    assertThatThrownBy(() -> new Row("x", 0, 3, "1full"))
        .hasMessageContaining("runners: 3 (expected: 1, 2, 4, 8, 16, 32 or 64)");
  }

  @Test
  void histogramQuantilesNeverUnderstate() {
    Histogram h = new Histogram();
    for (int i = 1; i <= 1_000; i++) {
      h.record(i * 100L); // 100 µs .. 100 ms
    }
    assertThat(h.quantile(0.5)).isBetween(50_000L, 50_000L * 1002 / 1000);
    assertThat(h.quantile(0.99)).isBetween(99_000L, 99_000L * 1002 / 1000);
    assertThat(h.quantile(1.0)).isBetween(100_000L, 100_000L * 1002 / 1000);
    assertThat(new Histogram().quantile(0.5)).isEqualTo(-1);
  }

  @Test
  void workloadCoversSixThousandFourHundredSubjects() {
    for (int runners : new int[] {1, 64}) {
      Workload w = Workload.of(runners);
      java.util.Set<String> subjects = new java.util.HashSet<>();
      for (long line = 0; line < Workload.SUBJECTS; line++) {
        int r = w.runnerOf(line);
        subjects.add(w.app(r) + "." + w.runnerName(r) + "." + Workload.request(w.requestOf(line)));
      }
      assertThat(subjects).as("runners " + runners).hasSize(6_400);
    }
    byte[] payload = Workload.payloadBytes(123_456_789L);
    assertThat(payload).hasSize(Workload.LINE_BYTES);
    assertThat(Workload.ascii(payload)).isEqualTo(Workload.payload(123_456_789L))
        .isEqualTo("0000000000123456789 " + "x".repeat(Workload.LINE_BYTES - 20));
    assertThat(Workload.stamp(payload, 0, payload.length)).isEqualTo(123_456_789L);
  }
}
