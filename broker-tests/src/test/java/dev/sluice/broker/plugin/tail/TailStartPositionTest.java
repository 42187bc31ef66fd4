package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Predicates;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where a tail starts (last N, after a cursor, since a time) and its predicates, end to end
 * over gRPC: the replay joins the live stream with no gap and no duplicate.
 */
class TailStartPositionTest {
  // Two records per message: a replay of a few records spans several messages, so live lines
  // arrive while it is still running.
  private static final int TAIL_BATCH = 2;
  private static final long BASE_NANOS = 1_700_000_000_000_000_000L;
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withTail(
      c.tail().withBatch(TAIL_BATCH, c.tail().batchBytes())));

  @Test
  void lastNReplaysExactlyTheLastNThenFollowsLive() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", numbered(1, 20)).awaitAcked();

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setLastN(5), Predicates.getDefaultInstance()));
    tail.awaitRecords(5);
    assertThat(tail.lines()).containsExactly(numbered(16, 20));

    runner.lines("", numbered(21, 23)).awaitAcked();
    tail.awaitRecords(8);
    assertThat(tail.lines()).containsExactly(numbered(16, 23));
    assertThat(tail.isEnded()).isFalse();
  }

  @Test
  void lastNCountsOnlyRecordsThatPassThePredicates() {
    ManagedChannel channel = sluice.channel();
    TimedRunner runner = new TimedRunner(RawRunner.connect(channel, "app", "runner-1"));
    runner.send(line("w1", Level.WARN), line("i1", Level.INFO), line("w2", Level.WARN),
        line("i2", Level.INFO), line("w3", Level.ERROR), line("i3", Level.INFO));

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setLastN(2), minLevel(Level.WARN)));
    tail.awaitRecords(2);
    runner.send(line("i4", Level.INFO), line("w4", Level.WARN));
    tail.awaitRecords(3);
    assertThat(tail.lines()).containsExactly("w2", "w3", "w4");
  }

  @Test
  void afterCursorReplaysTheRestThenLiveWithNoGapAndNoDuplicate() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", numbered(1, 20)).awaitAcked();
    ByteString tenth = cursorOf(channel, 10);
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 0);

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setAfterCursor(tenth), Predicates.getDefaultInstance()));
    // Lines 21..25 race the subscription itself; 26..30 come once it is registered, while the
    // replay of 11..20 (two records per message) may still be running.
    for (int i = 21; i <= 25; i++) {
      runner.lines("", "line " + i);
    }
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 1);
    for (int i = 26; i <= 30; i++) {
      runner.lines("", "line " + i);
    }
    runner.awaitAcked();

    tail.awaitRecords(20);
    // A sentinel after everything: once it is in, nothing before it can still be on its way.
    runner.lines("", "sentinel").awaitAcked();
    tail.awaitRecords(21);

    assertThat(tail.lines()).containsExactly(concat(numbered(11, 30), "sentinel"));
    List<Long> seqs = tail.records().stream().map(Record::getSeq).toList();
    assertThat(seqs).containsExactlyElementsOf(
        IntStream.rangeClosed(11, 31).mapToObj(Long::valueOf).toList());
  }

  @Test
  void afterCursorOfTheNewestRecordIsLiveOnly() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", numbered(1, 3)).awaitAcked();
    ByteString third = cursorOf(channel, 3);
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 0);

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setAfterCursor(third), Predicates.getDefaultInstance()));
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 1);
    runner.lines("", "line 4").awaitAcked();
    tail.awaitRecords(1);
    assertThat(tail.lines()).containsExactly("line 4");
  }

  @Test
  void sinceReplaysLinesAtOrAfterTheTimeThenFollowsLive() {
    ManagedChannel channel = sluice.channel();
    TimedRunner runner = new TimedRunner(RawRunner.connect(channel, "app", "runner-1"));
    for (int i = 1; i <= 10; i++) {
      runner.send(timed("t" + i, BASE_NANOS + i * 1_000L));
    }

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setSinceUnixNano(BASE_NANOS + 5_000L),
        Predicates.getDefaultInstance()));
    tail.awaitRecords(6);
    assertThat(tail.lines()).containsExactly("t5", "t6", "t7", "t8", "t9", "t10");

    runner.send(timed("live", BASE_NANOS + 11_000L));
    tail.awaitRecords(7);
    assertThat(tail.lines()).containsExactly("t5", "t6", "t7", "t8", "t9", "t10", "live");
  }

  @Test
  void sinceLaterThanEverythingStoredIsLiveOnly() {
    ManagedChannel channel = sluice.channel();
    TimedRunner runner = new TimedRunner(RawRunner.connect(channel, "app", "runner-1"));
    runner.send(timed("old", BASE_NANOS));

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setSinceUnixNano(BASE_NANOS + 1), Predicates.getDefaultInstance()));
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 1);
    runner.send(timed("new", BASE_NANOS + 2));
    tail.awaitRecords(1);
    assertThat(tail.lines()).containsExactly("new");
  }

  /**
   * Runners' clocks disagree, so store order is not time order: a line stored later may carry
   * an earlier time. "Since T" must still replay only the stored lines at or after T.
   */
  @Test
  void sinceSkipsStoredLinesBeforeTheTimeEvenWhenStoredAfterLaterOnes() {
    ManagedChannel channel = sluice.channel();
    TimedRunner fast = new TimedRunner(RawRunner.connect(channel, "app", "runner-fast"));
    TimedRunner slow = new TimedRunner(RawRunner.connect(channel, "app", "runner-slow"));
    fast.send(timed("fast 100", BASE_NANOS + 100), timed("fast 300", BASE_NANOS + 300));
    slow.send(timed("slow 150", BASE_NANOS + 150), timed("slow 350", BASE_NANOS + 350));
    fast.send(timed("fast 200", BASE_NANOS + 200));

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setSinceUnixNano(BASE_NANOS + 250),
        Predicates.getDefaultInstance()));
    tail.awaitRecords(2);
    fast.send(timed("sentinel", BASE_NANOS + 400));
    tail.awaitRecords(3);

    assertThat(tail.records()).allSatisfy(r -> assertThat(r.getTimeUnixNano())
        .as("time of '%s'", r.getMessage()).isGreaterThanOrEqualTo(BASE_NANOS + 250));
    assertThat(tail.lines()).containsExactly("fast 300", "slow 350", "sentinel");
  }

  @Test
  void garbageCursorIsInvalidArgument() throws Exception {
    ManagedChannel channel = sluice.channel();
    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setAfterCursor(ByteString.copyFromUtf8("not a cursor")),
        Predicates.getDefaultInstance()));
    Status status = tail.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("cursor");
  }

  @Test
  void cursorBeyondTheNewestStoredRecordIsRefusedNotSilentlyClamped() throws Exception {
    // A cursor from a store that was since reset: resuming from "the end" would skip records.
    ManagedChannel channel = sluice.channel();
    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setAfterCursor(dev.sluice.broker.store.Cursor.of(5)),
        Predicates.getDefaultInstance()));
    Status status = tail.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("beyond this broker's newest record 0");
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(sluice.broker().stats().value("tail.open")).isZero());
  }

  @Test
  void rejectedCursorLeavesNoSubscriptionBehind() throws Exception {
    ManagedChannel channel = sluice.channel();
    for (int i = 0; i < 3; i++) {
      TailCollector tail = TailCollector.tail(channel, request("app.>",
          StartPosition.newBuilder().setAfterCursor(ByteString.copyFromUtf8("garbage " + i)),
          Predicates.getDefaultInstance()));
      assertThat(tail.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(sluice.broker().stats().value("tail.open"))
            .as("tails still registered after their calls failed").isZero());
  }

  @Test
  void minLevelKeepsOnlyThatLevelAndHigherInReplayAndLive() {
    ManagedChannel channel = sluice.channel();
    TimedRunner runner = new TimedRunner(RawRunner.connect(channel, "app", "runner-1"));
    runner.send(allLevels("stored"));

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setSinceUnixNano(1), minLevel(Level.WARN)));
    tail.awaitRecords(3);
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 1);
    runner.send(allLevels("live"));
    runner.send(line("sentinel", Level.FATAL));
    tail.awaitRecords(7);

    assertThat(tail.lines()).containsExactly("stored WARN", "stored ERROR", "stored FATAL",
        "live WARN", "live ERROR", "live FATAL", "sentinel");
    assertThat(tail.records()).extracting(Record::getLevel)
        .containsOnly(Level.WARN, Level.ERROR, Level.FATAL);
  }

  @Test
  void containsKeepsOnlyLinesWithTheTextCaseSensitively() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", "GET /health 200", "POST /predict 200", "Predict warm-up",
        "POST /predict 500").awaitAcked();

    TailCollector tail = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setSinceUnixNano(1),
        Predicates.newBuilder().setContains("/predict").build()));
    tail.awaitRecords(2);
    Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 1);
    runner.lines("", "GET /predict/schema 200", "GET /metrics 200", "sentinel /predict")
        .awaitAcked();
    tail.awaitRecords(4);

    assertThat(tail.lines()).containsExactly("POST /predict 200", "POST /predict 500",
        "GET /predict/schema 200", "sentinel /predict");
  }

  // ---- helpers ----

  /** Cursor of the {@code n}-th stored record, as a client learns it: from a tail. */
  private static ByteString cursorOf(ManagedChannel channel, int n) {
    try (TailCollector all = TailCollector.tail(channel, request("app.>",
        StartPosition.newBuilder().setSinceUnixNano(1), Predicates.getDefaultInstance()))) {
      all.awaitRecords(n);
      Record record = all.records().get(n - 1);
      assertThat(record.getMessage()).isEqualTo("line " + n);
      return record.getCursor();
    }
  }

  private static TailRequest request(String filter, StartPosition.Builder start,
      Predicates where) {
    return TailRequest.newBuilder().setFilter(filter).setStart(start).setWhere(where).build();
  }

  private static Predicates minLevel(Level level) {
    return Predicates.newBuilder().setMinLevel(level).build();
  }

  private static String[] numbered(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).toArray(String[]::new);
  }

  private static String[] concat(String[] head, String tail) {
    String[] out = java.util.Arrays.copyOf(head, head.length + 1);
    out[head.length] = tail;
    return out;
  }

  private static LogLine line(String message, Level level) {
    return LogLine.newBuilder().setMessage(message).setLevel(level).build();
  }

  private static LogLine timed(String message, long timeUnixNano) {
    return LogLine.newBuilder().setMessage(message).setLevel(Level.INFO)
        .setTimeUnixNano(timeUnixNano).build();
  }

  private static LogLine[] allLevels(String prefix) {
    return List.of(Level.LEVEL_UNSPECIFIED, Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN,
        Level.ERROR, Level.FATAL).stream()
        .map(l -> line(prefix + " " + l.name(), l)).toArray(LogLine[]::new);
  }

  /** Sends hand-built lines (levels, times) with its own client sequence, waiting for acks. */
  private static final class TimedRunner {
    private final RawRunner runner;
    private long seq;

    TimedRunner(RawRunner runner) {
      this.runner = runner;
    }

    void send(LogLine... lines) {
      LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(seq + 1);
      for (LogLine l : lines) {
        batch.addLines(l);
      }
      seq += lines.length;
      runner.send(IngestFrame.newBuilder().setBatch(batch).build());
      long expected = seq;
      Awaitility.await().atMost(WAIT).until(() -> runner.lastAck() >= expected);
    }
  }
}
