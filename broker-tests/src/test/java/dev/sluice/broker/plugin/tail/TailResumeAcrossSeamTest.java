package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tail that starts in history the broker keeps only on disk (a ring of 50 records, 16 KiB
 * segments): it replays from the segments, crosses into the ring and then the live stream,
 * and gets every record exactly once, in order, with no gap and no duplicate at either seam.
 */
class TailResumeAcrossSeamTest {
  private static final int STORED = 2_000;
  private static final int TAIL_BATCH = 32; // a replay of 2,000 is ~60 disk reads
  private static final long BASE_NANOS = 1_700_000_000_000_000_000L;
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String BIG = "x".repeat(6_000);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withMemoryStoreRecords(50)
      .withSegmentBytes(16 * 1024).withTail(TailSettings.DEFAULTS.withRecords(
          TailSettings.DEFAULTS.queueRecords(), TAIL_BATCH, TailSettings.OverflowPolicy.CATCH_UP)));

  @Test
  void afterCursorReplaysTheRestFromDiskThenReceivesLiveRecordsExactlyOnce() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    send(runner, 1, STORED);
    ByteString cursor = cursorOf(channel, 700);

    TailCollector tail = TailCollector.tail(channel, request(
        StartPosition.newBuilder().setAfterCursor(cursor)));
    tail.awaitRecords(STORED - 700);
    assertExactly(tail, 701, STORED);

    send(runner, STORED + 1, 3_000);
    tail.awaitRecords(3_000 - 700);
    endWithSentinel(runner, tail, 701, 3_000);
  }

  @Test
  void liveRecordsStoredWhileADiskReplayIsStalledJoinItWithoutGapOrDuplicate() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    // ~12 MB: more than the HTTP/2 window can ever hold (1 MiB, auto-tuned to at most 8 MiB).
    send(runner, 1, STORED, BIG);
    ByteString cursor = cursorOf(channel, 1);

    try (ManualTail tail = ManualTail.open(channel, request(
        StartPosition.newBuilder().setAfterCursor(cursor)), 1)) {
      tail.awaitRecords(1, WAIT);
      // Having taken one message, the reader stalls: the replay is stuck behind the full
      // window, and these are stored meanwhile, so they reach the stream mid-replay.
      send(runner, STORED + 1, 3_000, BIG);
      tail.request(Integer.MAX_VALUE);
      tail.awaitRecords(3_000 - 1, WAIT);
      runner.lines("", "sentinel").awaitAcked();
      tail.awaitRecords(3_000, WAIT);
      List<Record> records = tail.records();
      assertThat(records).hasSize(3_000);
      assertExactly(records.subList(0, 2_999), 2, 3_000);
      assertThat(records.get(2_999).getMessage()).isEqualTo("sentinel");
      assertThat(tail.notices()).isEmpty();
      assertThat(tail.isEnded()).isFalse();
    }
  }

  @Test
  void lastNIsServedFromDiskThenFollowsLive() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    send(runner, 1, STORED);

    TailCollector tail = TailCollector.tail(channel, request(
        StartPosition.newBuilder().setLastN(500)));
    tail.awaitRecords(500);
    assertExactly(tail, 1_501, STORED);

    send(runner, STORED + 1, STORED + 100);
    tail.awaitRecords(600);
    endWithSentinel(runner, tail, 1_501, STORED + 100);
  }

  @Test
  void sinceIsServedFromDiskThenFollowsLive() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    for (int from = 1; from <= STORED; from += 100) {
      LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(100));
      for (int i = from; i < from + 100; i++) {
        batch.addLines(LogLine.newBuilder().setMessage("line " + i).setLevel(Level.INFO)
            .setTimeUnixNano(BASE_NANOS + i * 1_000L));
      }
      runner.send(IngestFrame.newBuilder().setBatch(batch).build());
    }
    runner.awaitAcked();

    TailCollector tail = TailCollector.tail(channel, request(
        StartPosition.newBuilder().setSinceUnixNano(BASE_NANOS + 1_200 * 1_000L)));
    tail.awaitRecords(STORED - 1_199);
    assertExactly(tail, 1_200, STORED);

    send(runner, STORED + 1, STORED + 100); // stamped now by the broker: after "since"
    tail.awaitRecords(STORED - 1_199 + 100);
    endWithSentinel(runner, tail, 1_200, STORED + 100);
  }

  // ---- helpers ----

  private static void send(RawRunner runner, int from, int to) {
    send(runner, from, to, "");
  }

  /** Sends "line from" .. "line to" (then a space and padding, if any) in batches of 100. */
  private static void send(RawRunner runner, int from, int to, String padding) {
    String suffix = padding.isEmpty() ? "" : " " + padding;
    for (int i = from; i <= to; i += 100) {
      runner.lines("", IntStream.rangeClosed(i, Math.min(to, i + 99))
          .mapToObj(n -> "line " + n + suffix).toArray(String[]::new));
    }
    runner.awaitAcked();
  }

  /** The cursor of record {@code n}, as a client learns it: from a tail of everything. */
  private ByteString cursorOf(ManagedChannel channel, int n) {
    try (TailCollector all = TailCollector.tail(channel, request(
        StartPosition.newBuilder().setSinceUnixNano(1)))) {
      all.awaitRecords(STORED);
      assertExactly(all, 1, STORED);
      return all.records().get(n - 1).getCursor();
    } finally {
      Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 0);
    }
  }

  /**
   * Sends a sentinel: once it is in, nothing before it can still be on its way, so the list
   * is final: exactly {@code from..to}, then the sentinel.
   */
  private static void endWithSentinel(RawRunner runner, TailCollector tail, int from, int to) {
    runner.lines("", "sentinel").awaitAcked();
    int expected = to - from + 2;
    tail.awaitRecords(expected);
    List<String> lines = tail.lines();
    assertThat(lines).hasSize(expected);
    assertThat(lines.get(expected - 1)).isEqualTo("sentinel");
    assertThat(tail.records().get(expected - 1).getSeq()).isEqualTo(to + 1);
    assertExactly(tail.records().subList(0, expected - 1), from, to);
    assertThat(tail.notices()).as("no GAP or DROPPED notice").isEmpty();
    assertThat(tail.isEnded()).isFalse();
  }

  private static void assertExactly(TailCollector tail, int from, int to) {
    assertExactly(tail.records(), from, to);
  }

  private static void assertExactly(List<Record> records, int from, int to) {
    assertThat(records.stream().map(TailResumeAcrossSeamTest::lineOf).collect(Collectors.toList()))
        .containsExactlyElementsOf(IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i)
            .toList());
    assertThat(records.stream().map(Record::getSeq).collect(Collectors.toList()))
        .containsExactlyElementsOf(IntStream.rangeClosed(from, to).mapToObj(Long::valueOf)
            .toList());
  }

  /** "line N" of a message "line N" or "line N <padding>". */
  private static String lineOf(Record record) {
    String message = record.getMessage();
    int space = message.indexOf(' ', "line ".length());
    return space < 0 ? message : message.substring(0, space);
  }

  private static TailRequest request(StartPosition.Builder start) {
    return TailRequest.newBuilder().setFilter("app.>").setStart(start).build();
  }
}
