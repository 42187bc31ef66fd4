package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.testing.SluiceBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code sluice tail}, run in-process against a real broker, output captured. */
class TailCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Lines longer than this are split by the broker into marked parts. */
  private static final int LINE_BYTES = 64;

  // The segment store keeps records and their sequence numbers across a restart, which is
  // what resuming after the last record printed relies on.
  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure(config -> config.withLimits(
      config.maxFrameBytes(), config.maxRecordsPerBatch(), LINE_BYTES)
      .withStore(BrokerConfig.StoreKind.SEGMENT, FsyncPolicy.always()));

  private SluiceRunner runner;

  @BeforeEach
  void startRunner() {
    runner = SluiceRunner.builder().target(broker.target()).app("demo-model").runner("runner-1")
        .build();
  }

  @AfterEach
  void closeRunner() {
    runner.close();
  }

  private CliRun tail(String... args) {
    CliRun run = CliRun.start(args);
    Awaitility.await().atMost(WAIT).until(() -> broker.broker().stats().value("tail.open") == 1 || run.isDone());
    return run;
  }

  @Test
  void jsonPrintsOneObjectPerRecord() throws Exception {
    CliRun run = tail("tail", "demo-model.>", "--json", "--count", "3", "--grpc", broker.target());
    runner.info("say \"hi\"\n\tbye", Map.of("k", "v"));
    try (RequestScope req = runner.request("req-7", "/predict", "caller-1")) {
      req.warn("careful");
    }

    assertThat(run.exitCode()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(3).allMatch(l -> l.startsWith("{\"seq\":") && l.endsWith("}"));
    assertThat(lines.get(0))
        .contains("\"level\":\"INFO\",\"subject\":\"demo-model.runner-1._\",\"kind\":\"LINE\"")
        .contains("\"message\":\"say \\\"hi\\\"\\n\\tbye\"")
        .contains("\"fields\":{\"k\":\"v\"}")
        .contains("\"app_name\":\"demo-model\"")
        .matches(".*\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\".*");
    assertThat(lines.get(1)).contains("\"kind\":\"REQUEST_START\"")
        .contains("\"request\":{\"caller\":\"caller-1\"}");
    assertThat(lines.get(2)).contains("\"level\":\"WARN\"")
        .contains("\"subject\":\"demo-model.runner-1.req-7\"").contains("\"message\":\"careful\"");
  }

  @Test
  void humanFormatShowsTimeLevelSubjectMessageFieldsAndParts() throws Exception {
    CliRun run = tail("tail", "demo-model.>", "--count", "3", "--grpc", broker.target());
    runner.error("short", Map.of("b", "2", "a", "x y"));
    runner.info("x".repeat(LINE_BYTES + 10));

    assertThat(run.exitCode()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z "
        + "ERROR demo-model\\.runner-1\\._  short  a=\"x y\" b=2");
    assertThat(lines.get(1)).contains("INFO  demo-model.runner-1._  [part 1/2] xxx");
    assertThat(lines.get(2)).contains("[part 2/2] xxxxxxxxxx");
  }

  @Test
  void levelFilterKeepsOnlyThatLevelAndAbove() throws Exception {
    CliRun run = tail("tail", ">", "--level", "WARN", "--count", "1", "--grpc", broker.target());
    runner.info("quiet");
    runner.error("loud");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).doesNotContain("quiet").contains("ERROR demo-model.runner-1._  loud");
  }

  @Test
  void badFilterIsReportedBeforeConnecting() throws Exception {
    CliRun run = CliRun.start("tail", "demo-model..x");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).startsWith("sluice tail: Invalid value for positional parameter")
        .contains("token 2 '' of 'demo-model..x' is not valid")
        .contains("Try 'sluice tail --help'");
  }

  @Test
  void badLevelNamesTheChoices() throws Exception {
    CliRun run = CliRun.start("tail", ">", "--level", "loud");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains(
        "'loud' (expected: one of trace, debug, info, warn, error, fatal)");
  }

  @Test
  void unreachableBrokerExitsWithOne() throws Exception {
    int port = SluiceBroker.freePort();
    CliRun run = CliRun.start("tail", ">", "--grpc", "127.0.0.1:" + port);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith(
        "sluice tail: cannot reach the broker at 127.0.0.1:" + port + " (is 'sluice up' running?)");
  }

  @Test
  void withNoReconnectBrokerShutdownEndsTheTailWithOne() throws Exception {
    CliRun run = tail("tail", ">", "--no-reconnect", "--grpc", broker.target());
    runner.close();
    broker.stop();

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("sluice tail: the broker at " + "127.0.0.1:")
        .contains("is shutting down");
  }

  @Test
  void reconnectsAfterABrokerRestartAndPrintsEveryRecordOnce() throws Exception {
    runner.close(); // this test needs a broker on a port that survives the restart
    int port = SluiceBroker.freePort();
    broker.restartOn(port);
    CliRun run = tail("tail", "demo-model.>", "--count", "4", "--grpc", broker.target());
    try (SluiceRunner restarted = SluiceRunner.builder().target(broker.target())
        .app("demo-model").runner("runner-1").build()) {
      restarted.info("one");
      restarted.info("two");
      Awaitility.await().atMost(WAIT).until(() -> run.out().lines().count() == 2);

      broker.stop();
      broker.restartOn(port);
      restarted.info("three");
      restarted.info("four");

      assertThat(run.exitCode()).isZero();
    }
    assertThat(run.out().lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)))
        .containsExactly("one", "two", "three", "four");
    List<String> err = run.err().lines().toList();
    assertThat(err.get(0)).matches("sluice tail: reconnecting in \\d+ ms: "
        + "broker is shutting down; reconnect to resume");
    assertThat(err).last().isEqualTo("sluice tail: resumed");
  }
}
