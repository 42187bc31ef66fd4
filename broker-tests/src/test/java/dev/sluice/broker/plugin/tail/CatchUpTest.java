package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.plugin.tail.TailSettings.OverflowPolicy;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The default overflow policy, CATCH_UP: a subscriber that stops reading overflows its queue of
 * 100 records, is moved back onto the store, and when it reads again gets every record exactly
 * once, in order, from disk (the in-memory ring holds 1,000 of 20,000), then live again; no
 * DROPPED notice, no GAP, nothing dropped. A healthy subscriber beside it gets everything too.
 */
class CatchUpTest {
  private static final int RECORDS = 20_000;
  private static final String PADDING = "x".repeat(1_000);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c
      .withTail(TailSettings.DEFAULTS.withRecords(100, 64, OverflowPolicy.CATCH_UP)).withMemoryStoreRecords(1_000)
      .withSegmentBytes(1024 * 1024));

  @Test
  void defaultPolicyIsCatchUp() {
    assertThat(BrokerConfig.defaults().tail().overflow()).isEqualTo(OverflowPolicy.CATCH_UP);
  }

  @Test
  void stalledSubscriberCatchesUpFromTheStoreWithNoGapNoDuplicateAndNoDrop() {
    ManagedChannel channel = sluice.channel();
    SeqTail healthy = SeqTail.open(sluice.channel());
    try (ManualTail stalled = ManualTail.open(sluice.channel(), all(), 1)) {
      Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 2);

      RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
      for (int from = 1; from <= RECORDS; from += 100) {
        String[] batch = new String[100];
        for (int i = 0; i < 100; i++) {
          batch[i] = "line " + (from + i) + " " + PADDING;
        }
        runner.lines("", batch);
        if ((from + 99) % 2_000 == 0) {
          runner.awaitAcked();
        }
      }
      runner.awaitAcked();
      Awaitility.await().atMost(WAIT).until(() -> healthy.size() >= RECORDS);
      long caughtUpBefore = sluice.broker().stats().value("tail.caught_up");
      // ~20 MB went by: the stalled reader took one message and holds at most its transport
      // window (a few MB), so it is far behind.
      assertThat(stalled.size()).isLessThan(RECORDS / 2);
      assertThat(stalled.isEnded()).isFalse();

      stalled.request(Integer.MAX_VALUE);
      stalled.awaitRecords(RECORDS, WAIT);
      runner.lines("", "sentinel").awaitAcked();
      stalled.awaitRecords(RECORDS + 1, WAIT);
      Awaitility.await().atMost(WAIT).until(() -> healthy.size() >= RECORDS + 1);

      assertInOrderOnce(stalled.records());
      assertThat(stalled.count(NoticeKind.DROPPED)).isZero();
      assertThat(stalled.notices()).as("no DROPPED or GAP notice").isEmpty();
      assertThat(stalled.isEnded()).isFalse();
      assertInOrderOnce(healthy.records());
      assertThat(healthy.notices.get()).isZero();
      assertThat(sluice.broker().stats().value("tail.dropped")).isZero();
      assertThat(sluice.broker().stats().value("tail.caught_up")).as("the stalled reader was moved onto the store")
          .isGreaterThan(caughtUpBefore);
    }
  }

  /**
   * Catching up is invisible: a reader that was moved onto the store gets the same records as
   * one that kept up. With a "since" start, lines whose runner clock is behind (time before
   * "since") reach a reader that keeps up live; they must reach the caught-up one as well.
   * ("Since" selects what the start replays, not what a catch-up replays.)
   */
  @Test
  void caughtUpSinceTailGetsTheSameRecordsAsOneThatKeptUp() {
    long since = 1_700_000_000_000_000_000L;
    TailRequest request = TailRequest.newBuilder().setFilter("app.>")
        .setStart(StartPosition.newBuilder().setSinceUnixNano(since)).build();
    SeqTail healthy = SeqTail.open(sluice.channel(), request);
    try (ManualTail stalled = ManualTail.open(sluice.channel(), request, 1)) {
      Awaitility.await().atMost(WAIT).until(() -> sluice.broker().stats().value("tail.open") == 2);
      RawRunner runner = RawRunner.connect(sluice.channel(), "app", "runner-1");
      int total = 5_000;
      for (int from = 1; from <= total; from += 100) {
        LogBatch.Builder batch = LogBatch.newBuilder()
            .setFirstSeq(runner.reserve(100));
        for (int i = from; i < from + 100; i++) {
          // Every tenth line comes from a clock an hour behind "since"; the rest are stamped
          // now by the broker.
          batch.addLines(LogLine.newBuilder()
              .setMessage("line " + i + " " + PADDING)
              .setTimeUnixNano(i % 10 == 0 ? since - 3_600_000_000_000L : 0));
        }
        runner.send(IngestFrame.newBuilder().setBatch(batch).build());
      }
      runner.awaitAcked();
      runner.lines("", "sentinel").awaitAcked();
      Awaitility.await().atMost(WAIT).until(() -> healthy.records().stream()
          .anyMatch(r -> r.getMessage().equals("sentinel")));
      stalled.request(Integer.MAX_VALUE);
      Awaitility.await().atMost(WAIT).until(() -> stalled.records().stream()
          .anyMatch(r -> r.getMessage().equals("sentinel")));

      assertThat(sluice.broker().stats().value("tail.caught_up")).isPositive();
      List<Long> kept = healthy.records().stream().map(Record::getSeq).toList();
      List<Long> caught = stalled.records().stream().map(Record::getSeq).toList();
      List<Long> lost = kept.stream().filter(seq -> !caught.contains(seq)).toList();
      assertThat(lost).as("records the reader that kept up got and the caught-up one did not")
          .isEmpty();
      assertThat(caught).containsExactlyElementsOf(kept);
    }
  }

  /** Lines 1..RECORDS with sequence numbers 1..RECORDS, then the sentinel: nothing else. */
  private static void assertInOrderOnce(List<Record> records) {
    assertThat(records).hasSize(RECORDS + 1);
    assertThat(records.stream().mapToLong(Record::getSeq).boxed().toList())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, RECORDS + 1).boxed().toList());
    for (int i = 0; i < RECORDS; i++) {
      String message = records.get(i).getMessage();
      if (!message.startsWith("line " + (i + 1) + " ")) {
        throw new AssertionError("record " + (i + 1) + " has message "
            + message.substring(0, Math.min(20, message.length())));
      }
    }
    assertThat(records.get(RECORDS).getMessage()).isEqualTo("sentinel");
  }

  private static TailRequest all() {
    return TailRequest.newBuilder().setFilter("app.>").build();
  }

  /** A tail that reads as fast as it can and keeps its records (not a copy-on-write list). */
  private static final class SeqTail {
    private final List<Record> records = new ArrayList<>();
    final AtomicLong notices = new AtomicLong();

    static SeqTail open(ManagedChannel channel) {
      return open(channel, all());
    }

    static SeqTail open(ManagedChannel channel, TailRequest request) {
      SeqTail tail = new SeqTail();
      LogsGrpc.newStub(channel).tail(request, new StreamObserver<>() {
        @Override
        public void onNext(TailResponse response) {
          tail.notices.addAndGet(response.getNoticesCount());
          synchronized (tail.records) {
            tail.records.addAll(response.getRecordsList());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      return tail;
    }

    int size() {
      synchronized (records) {
        return records.size();
      }
    }

    List<Record> records() {
      synchronized (records) {
        return List.copyOf(records);
      }
    }
  }
}
