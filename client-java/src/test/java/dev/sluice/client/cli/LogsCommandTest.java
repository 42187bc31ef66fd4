package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.client.runner.LogEntry;
import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice logs}, run in-process against a real broker, output captured. */
class LogsCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

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

  /** Logs {@code count} lines "line <i>" and waits until the broker stored them. */
  private void logNumbered(int count) {
    for (int i = 0; i < count; i++) {
      runner.info("line " + i);
    }
    assertThat(runner.flush(WAIT)).as("flushed").isTrue();
  }

  private CliRun logs(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "logs";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--target";
    all[args.length + 2] = broker.target();
    return CliRun.start(all);
  }

  /** Waits for a successful exit, then returns the messages printed. */
  private static List<String> printed(CliRun run) throws Exception {
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    return messages(run);
  }

  /** What follows time, level and subject on each human-format line. */
  private static List<String> messages(CliRun run) {
    return run.out().lines().map(l -> l.replaceFirst("^\\S+ \\S+ +\\S+  ", "")).toList();
  }

  // ---- what is printed ----

  @Test
  void traceFindsTheLinesOfOneTraceAcrossRunners() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    try (SluiceRunner other = SluiceRunner.builder().target(broker.target()).app("demo-model")
        .runner("runner-2").build()) {
      runner.log(new LogEntry(0, Level.INFO, Stream.STRUCTURED, "on runner 1", Map.of(), "",
          trace, "00f067aa0ba902b7"));
      runner.info("no trace");
      other.log(new LogEntry(0, Level.WARN, Stream.STRUCTURED, "on runner 2", Map.of(), "",
          trace, "00f067aa0ba902b8"));
      other.log(new LogEntry(0, Level.INFO, Stream.STRUCTURED, "another trace", Map.of(), "",
          "0af7651916cd43dd8448eb211c80319c", ""));
      assertThat(runner.flush(WAIT)).isTrue();
      assertThat(other.flush(WAIT)).isTrue();
    }
    assertThat(printed(logs("demo-model.>", "--trace", trace)))
        .containsExactlyInAnyOrder("on runner 1", "on runner 2");
    assertUsageError(logs(">", "--trace", "ABC"), "--trace: 'ABC' (expected: a trace id");
  }

  @Test
  void aRecordLostToDamageInTheStoreIsPrintedAsAGapWhereItWas() throws Exception {
    logNumbered(100);
    runner.close();
    broker.stop();
    flipInside(broker.dataDir().resolve("log"), "line 50");
    broker.restartOn(0);

    CliRun run = logs("demo-model.>", "-n", "1000");
    List<String> printed = printed(run);
    int gap = printed.indexOf("--- record 51 was lost to damage in the store (they may not have "
        + "matched this filter) ---");
    assertThat(gap).as("the gap line in %s", printed).isEqualTo(50);
    assertThat(printed.get(gap - 1)).isEqualTo("line 49");
    assertThat(printed.get(gap + 1)).isEqualTo("line 51");
    assertThat(printed).hasSize(100); // 99 lines and the gap

    CliRun json = logs("demo-model.>", "-n", "1000", "--json");
    assertThat(json.exitCode()).isZero();
    assertThat(json.out()).contains("{\"notice\":\"GAP\",\"count\":1,\"detail\":\"record 51 was "
        + "lost to damage in the store (they may not have matched this filter)\",\"first_seq\":51,"
        + "\"last_seq\":51}");
  }

  /** Flips a byte in the message of the one stored record that says {@code text}. */
  private static void flipInside(Path log, String text) throws Exception {
    byte[] needle = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (var files = java.nio.file.Files.list(log)) {
      for (Path segment : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
        byte[] bytes = java.nio.file.Files.readAllBytes(segment);
        for (int i = 0; i + needle.length < bytes.length; i++) {
          if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)
              && !Character.isDigit(bytes[i + needle.length])) {
            bytes[i + 2] ^= 1;
            java.nio.file.Files.write(segment, bytes);
            return;
          }
        }
      }
    }
    throw new AssertionError("no stored record says " + text);
  }

  @Test
  void printsTheLastHundredByDefaultOldestFirst() throws Exception {
    logNumbered(250);

    CliRun run = logs("demo-model.>");
    assertThat(run.exitCode()).isZero();
    assertThat(messages(run)).containsExactlyElementsOf(numbered(150, 250));
    assertThat(run.out().lines().findFirst().orElseThrow()).matches(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z "
            + "INFO  demo-model\\.runner-1\\._  line 150");
    assertThat(run.err()).isEmpty();
  }

  /** 12,000 records take several pages (10,000 records or 1 MiB each); the last N span them. */
  @Test
  void lastNPagesThroughTheWholeRangeAndKeepsOnlyTheNewest() throws Exception {
    logNumbered(12_000);

    CliRun run = logs("demo-model.>", "-n", "11000");
    assertThat(run.exitCode()).isZero();
    assertThat(messages(run)).containsExactlyElementsOf(numbered(1_000, 12_000));
  }

  @Test
  void headPrintsTheFirstNAcrossPages() throws Exception {
    logNumbered(12_000);

    CliRun run = logs("demo-model.>", "--head", "-n", "10500");
    assertThat(run.exitCode()).isZero();
    assertThat(messages(run)).containsExactlyElementsOf(numbered(0, 10_500));
  }

  @Test
  void fewerMatchesThanNPrintsThemAllAndNoMatchPrintsNothing() throws Exception {
    logNumbered(3);

    CliRun all = logs("demo-model.>", "-n", "10");
    assertThat(all.exitCode()).isZero();
    assertThat(messages(all)).containsExactly("line 0", "line 1", "line 2");
    CliRun none = logs("other-app.>");
    assertThat(none.exitCode()).isZero();
    assertThat(none.out()).isEmpty();
  }

  @Test
  void jsonPrintsOneObjectPerRecord() throws Exception {
    runner.info("say \"hi\"\n\tbye", Map.of("k", "v"));
    try (RequestScope req = runner.request("req-7", "/predict", "caller-1")) {
      req.warn("careful");
    }
    assertThat(runner.flush(WAIT)).isTrue();

    CliRun run = logs("demo-model.>", "--json");
    assertThat(run.exitCode()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(4).allMatch(l -> l.startsWith("{\"seq\":") && l.endsWith("}"));
    assertThat(lines.get(0)).startsWith("{\"seq\":1,")
        .contains("\"level\":\"INFO\",\"subject\":\"demo-model.runner-1._\",\"kind\":\"LINE\"")
        .contains("\"message\":\"say \\\"hi\\\"\\n\\tbye\"")
        .contains("\"fields\":{\"k\":\"v\"}");
    assertThat(lines.get(1)).contains("\"kind\":\"REQUEST_START\"")
        .contains("\"request\":{\"caller\":\"caller-1\"}");
    assertThat(lines.get(2)).contains("\"level\":\"WARN\"").contains("\"message\":\"careful\"");
    assertThat(lines.get(3)).contains("\"kind\":\"REQUEST_END\"")
        .contains("\"status\":\"REQUEST_OK\"");
  }

  @Test
  void levelGrepAndRequestNarrowTheQuery() throws Exception {
    runner.info("GET /health");
    runner.error("GET /predict failed");
    try (RequestScope req = runner.request("req-7", "/predict", "caller-1")) {
      req.info("predicting");
      req.warn("slow predict");
    }
    runner.warn("disk almost full");
    assertThat(runner.flush(WAIT)).isTrue();

    assertThat(printed(logs("demo-model.>", "--level", "warn")))
        .containsExactly("GET /predict failed", "slow predict", "disk almost full");
    assertThat(printed(logs("demo-model.>", "--grep", "predict")))
        .containsExactly("GET /predict failed", "predicting", "slow predict");
    assertThat(printed(logs("demo-model.>", "--request", "req-7"))).containsExactly(
        "request req-7 started  caller=caller-1 endpoint=/predict", "predicting",
        "slow predict", "request req-7 ended: REQUEST_OK");
    assertThat(printed(logs("demo-model.>", "--request", "req-7", "--level", "warn", "--grep",
        "slow"))).containsExactly("slow predict");
  }

  @Test
  void sinceAndToTakeDurationsAgo() throws Exception {
    logNumbered(3);

    CliRun recent = logs("demo-model.>", "--since", "10m");
    assertThat(recent.exitCode()).isZero();
    assertThat(messages(recent)).containsExactly("line 0", "line 1", "line 2");
    assertThat(printed(logs("demo-model.>", "--since", "1h30m", "--to", "1h")))
        .as("--to an hour ago").isEmpty();
    assertThat(printed(logs("demo-model.>", "--since", "1h30m"))).hasSize(3);
    CliRun older = logs("demo-model.>", "--since", "2h", "--to", "1h");
    assertThat(older.exitCode()).isZero();
    assertThat(older.out()).isEmpty();
    CliRun future = logs("demo-model.>", "--from", Instant.now().plusSeconds(3600).toString());
    assertThat(future.exitCode()).isZero();
    assertThat(future.out()).isEmpty();
  }

  @Test
  void fromAndToTakeIsoInstantsFromInclusiveToExclusive() throws Exception {
    try (TimedIngest ingest = new TimedIngest(broker.target(), "timed", "r1")) {
      for (int minute = 0; minute < 6; minute++) {
        ingest.line("minute " + minute, T0.plusSeconds(60L * minute));
      }
      ingest.awaitAcked();
    }

    CliRun run = logs("timed.>", "--from", "2026-11-21T10:02:00Z", "--to",
        "2026-11-21T10:05:00Z");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines().toList()).containsExactly(
        "2026-11-21T10:02:00.000Z INFO  timed.r1._  minute 2",
        "2026-11-21T10:03:00.000Z INFO  timed.r1._  minute 3",
        "2026-11-21T10:04:00.000Z INFO  timed.r1._  minute 4");
    assertThat(printed(logs("timed.>", "--from", "2026-11-21T11:04:00+01:00")))
        .containsExactly("minute 4", "minute 5");
    assertThat(printed(logs("timed.>", "--from", "2026-11-21T10:03Z",
        "--to", "2026-11-21T10:04Z")))
        .as("seconds may be left out").containsExactly("minute 3");
    assertThat(printed(logs("timed.>", "--to", "2026-11-21T10:01:30Z")))
        .containsExactly("minute 0", "minute 1");
    assertThat(printed(logs("timed.>", "--from", "2026-11-21",
        "--to", "2026-11-21T10:00:00.001Z")))
        .as("a date is its start in UTC").containsExactly("minute 0");
  }

  // ---- bad input: exit 2, naming the option ----

  @Test
  void badTimesNameTheOption() throws Exception {
    assertUsageError(logs(">", "--since", "10x"),
        "Invalid value for option '--since': '10x' (expected: an ISO-8601 time");
    assertUsageError(logs(">", "--from", "yesterday"), "option '--from': 'yesterday'");
    assertUsageError(logs(">", "--to", "2026-13-01T00:00:00Z"), "option '--to'");
    assertUsageError(logs(">", "--since", "0s"), "(expected: a duration > 0)");
    assertUsageError(logs(">", "--since", "10m", "--from", "2026-11-21T10:00:00Z"),
        "--since and --from: give one of them");
    assertUsageError(logs(">", "--from", "2026-11-21T10:00:00Z", "--to", "2026-11-21T09:00:00Z"),
        "--to: 2026-11-21T09:00:00Z (expected: later than --from 2026-11-21T10:00:00Z)");
    assertUsageError(logs(">", "--since", "1h", "--to", "2h"), "--to: ");
    assertUsageError(logs(">", "--from", "1900-01-01T00:00:00Z"), "--from: 1900-01-01T00:00:00Z "
        + "is before 1970-01-01T00:00:00Z");
  }

  @Test
  void badCountsRequestsTextLevelsAndSubjectsNameTheOption() throws Exception {
    assertUsageError(logs(">", "-n", "0"), "-n/--lines: 0 (expected: 1..100000)");
    assertUsageError(logs(">", "-n", "100001"), "-n/--lines: 100001 (expected: 1..100000)");
    assertUsageError(logs(">", "-n", "lots"), "Invalid value for option '--lines': 'lots'");
    assertUsageError(logs(">", "--request", "req 7"), "--request: 'req 7' is not a valid "
        + "subject token");
    assertUsageError(logs(">", "--grep", ""), "--grep: empty");
    assertUsageError(logs(">", "--level", "loud"), "'loud' (expected: one of trace, debug");
    assertUsageError(logs("demo-model..x"), "token 2 '' of 'demo-model..x' is not valid");
    assertUsageError(CliRun.start("logs", ">", "--target", "nowhere"), "option '--target'");
    assertUsageError(CliRun.start("logs"), "Missing required parameter: 'SUBJECT'");
  }

  @Test
  void helpExplainsWhichNRecordsArePrinted() throws Exception {
    CliRun run = CliRun.start("logs", "--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("LAST N matching records").contains("--head")
        .contains("--since").contains("--target").contains("30s, 10m, 2h, 7d");
    CliRun top = CliRun.start("--help");
    assertThat(top.exitCode()).isZero();
    assertThat(top.out()).contains("logs");
  }

  // ---- the broker says no: exit 1 with the status ----

  @Test
  void unreachableBrokerExitsWithOne() throws Exception {
    int port = SluiceBroker.freePort();
    CliRun run = CliRun.start("logs", ">", "--grpc", "127.0.0.1:" + port);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("sluice logs: cannot reach the broker at 127.0.0.1:"
        + port + " (is 'sluice up' running?)");
  }

  @Test
  void sendsTheTokenAndReportsRefusals(@TempDir Path dataDir) throws Exception {
    KeyPair issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, dataDir);
    try (Broker secured = Broker.start(BrokerConfig.defaults().withGrpcPort(0)
        .withDataDir(dataDir))) {
      String target = "127.0.0.1:" + secured.grpcPort();
      try (SluiceRunner app = SluiceRunner.builder().target(target).app("app").runner("r1")
          .token(mint(issuer, "r", Role.RUNNER, "app")).build()) {
        app.info("secret hello");
        assertThat(app.flush(WAIT)).isTrue();
      }

      CliRun member = CliRun.start("logs", "app.>", "--target", target, "--token",
          mint(issuer, "m", Role.MEMBER, ""));
      assertThat(member.exitCode()).isZero();
      assertThat(member.out()).contains("app.r1._  secret hello");

      CliRun caller = CliRun.start("logs", "app.>", "--target", target, "--token",
          mint(issuer, "carol", Role.CALLER, ""));
      assertThat(caller.exitCode()).isEqualTo(1);
      assertThat(caller.err()).startsWith("sluice logs: permission denied: filter 'app.>': a "
          + "caller may read only its own requests");
      assertThat(caller.out()).isEmpty();

      CliRun forged = CliRun.start("logs", "app.>", "--target", target, "--token", "nonsense");
      assertThat(forged.exitCode()).isEqualTo(1);
      assertThat(forged.err()).startsWith("sluice logs: not authenticated: ");
    }
  }

  // ---- helpers ----

  private static void assertUsageError(CliRun run, String message) throws Exception {
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(2);
    assertThat(run.err()).contains(message).contains("Try 'sluice logs --help'");
    assertThat(run.out()).isEmpty();
  }

  private static List<String> numbered(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "line " + i).toList();
  }

  private static String mint(KeyPair issuer, String subject, Role role, String app) {
    return Tokens.mint(Tokens.claims(subject, "acme", role, app, Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  /** A bare ingest stream, for lines with times of the test's choosing. */
  private static final class TimedIngest implements AutoCloseable {
    private final ManagedChannel channel;
    private final StreamObserver<IngestFrame> up;
    private final AtomicLong acked = new AtomicLong();
    private long seq;

    TimedIngest(String target, String app, String runner) {
      channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
      up = IngestGrpc.newStub(channel).stream(new StreamObserver<>() {
        @Override
        public void onNext(IngestReply reply) {
          if (reply.hasAck()) {
            acked.accumulateAndGet(reply.getAck().getSeq(), Math::max);
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      up.onNext(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp(app)
          .setRunner(runner)).build());
    }

    void line(String message, Instant time) {
      long nanos = time.getEpochSecond() * 1_000_000_000L + time.getNano();
      up.onNext(IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().setFirstSeq(++seq)
          .addLines(LogLine.newBuilder().setMessage(message).setTimeUnixNano(nanos))).build());
    }

    void awaitAcked() {
      Awaitility.await().atMost(WAIT).until(() -> acked.get() >= seq);
    }

    @Override
    public void close() throws InterruptedException {
      up.onCompleted();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
