package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.plugin.tail.TailSettings.OverflowPolicy;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A subscriber that stops reading loses records from its own bounded queue, is told how many
 * in a DROPPED notice, and costs the broker bounded heap; the other subscribers keep
 * receiving everything.
 */
class SlowSubscriberTest {
  private static final int QUEUE = 1_000;
  // Rounds of 500 records: half the queue, so the healthy reader can never overflow.
  private static final int ROUNDS = 400;
  private static final int BATCHES_PER_ROUND = 5;
  private static final int LINES_PER_BATCH = 100;
  private static final String LINE = "x".repeat(1_000);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c
      .withTail(TailSettings.DEFAULTS.withRecords(QUEUE, 256, OverflowPolicy.DROP_OLDEST))
      .withMemoryStoreRecords(5_000));

  @Test
  void stalledSubscriberGetsDroppedNoticeWhileHeapStaysBoundedAndOthersReceiveAll() {
    ManagedChannel runnerChannel = sluice.channel();
    CountingTail healthy = CountingTail.open(sluice.channel(), "app.>");
    StalledTail stalled = StalledTail.open(sluice.channel(), "app.>");
    Awaitility.await().until(() -> sluice.broker().stats().value("tail.open") == 2);
    long heapBefore = usedHeapAfterGc();

    RawRunner runner = RawRunner.connect(runnerChannel, "app", "runner-1");
    String[] batch = new String[LINES_PER_BATCH];
    java.util.Arrays.fill(batch, LINE);
    long sent = 0;
    for (int round = 0; round < ROUNDS; round++) {
      for (int b = 0; b < BATCHES_PER_ROUND; b++) {
        runner.lines("", batch);
      }
      sent += (long) BATCHES_PER_ROUND * LINES_PER_BATCH;
      long expected = sent;
      // Pace by the healthy reader, so a drop can only come from the stalled one.
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1)).until(() -> healthy.records.get() >= expected);
    }
    long heapAfter = usedHeapAfterGc();

    assertThat(healthy.records.get()).isEqualTo(sent);
    assertThat(healthy.notices.get()).isZero();
    // All but what its queue holds and what the transport buffered before it stopped being
    // ready (the HTTP/2 window and the write queue: a few MB, a few thousand 1 KB records).
    assertThat(sluice.broker().stats().value("tail.dropped")).isGreaterThan(sent - 10L * QUEUE);
    // ~200 MB went through; what the broker may hold for the stalled reader is its queue
    // (1,000 records), the store ring (5,000) and transport windows: far below 64 MB.
    assertThat(heapAfter - heapBefore).isLessThan(64L * 1024 * 1024);

    stalled.request(1_000);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> stalled.dropped() > 0);
    assertThat(stalled.notices.get(0).getDetail()).startsWith("dropped ");
    assertThat(stalled.ended).isEmpty();
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** A tail that reads everything and keeps only counts (so the test's own heap stays flat). */
  private static final class CountingTail {
    final AtomicLong records = new AtomicLong();
    final AtomicLong notices = new AtomicLong();

    static CountingTail open(ManagedChannel channel, String filter) {
      CountingTail tail = new CountingTail();
      LogsGrpc.newStub(channel).tail(TailRequest.newBuilder().setFilter(filter).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(TailResponse response) {
              tail.records.addAndGet(response.getRecordsCount());
              tail.notices.addAndGet(response.getNoticesCount());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      return tail;
    }
  }

  /** A tail that asks for one message and then stops reading until told to. */
  private static final class StalledTail {
    final List<Notice> notices = new CopyOnWriteArrayList<>();
    final List<Status> ended = new CopyOnWriteArrayList<>();
    private ClientCall<TailRequest, TailResponse> call;

    static StalledTail open(ManagedChannel channel, String filter) {
      StalledTail tail = new StalledTail();
      tail.call = channel.newCall(LogsGrpc.getTailMethod(), CallOptions.DEFAULT);
      tail.call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(TailResponse message) {
          tail.notices.addAll(message.getNoticesList());
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          tail.ended.add(status);
        }
      }, new Metadata());
      tail.call.sendMessage(TailRequest.newBuilder().setFilter(filter).build());
      tail.call.halfClose();
      tail.call.request(1);
      return tail;
    }

    void request(int n) {
      call.request(n);
    }

    long dropped() {
      return notices.stream().filter(n -> n.getKind() == NoticeKind.DROPPED)
          .mapToLong(Notice::getCount).sum();
    }
  }

  /** The same stalled reader with large lines: the queue's byte bound, not its count, holds. */
  @org.junit.jupiter.api.Nested
  class LargeLines {
    @RegisterExtension
    final SluiceBroker big = SluiceBroker.insecure(c -> c.withTail(TailSettings.DEFAULTS
        .withQueue(QUEUE, 1024 * 1024, OverflowPolicy.DROP_OLDEST).withBatch(256, TailSettings.DEFAULTS.batchBytes())));

    @Test
    void stalledSubscriberQueueIsBoundedByBytes() {
      StalledTail stalled = StalledTail.open(big.channel(), "app.>");
      Awaitility.await().until(() -> big.broker().stats().value("tail.open") == 1);
      RawRunner runner = RawRunner.connect(big.channel(), "app", "runner-1");
      String line = "z".repeat(60_000);
      for (int i = 0; i < 100; i++) {
        String[] ten = new String[10];
        java.util.Arrays.fill(ten, line);
        runner.lines("", ten);
      }
      runner.awaitAcked();
      // 1,000 records of 60 KB (60 MB): a count bound of 10,000 would keep them all; 1 MiB
      // keeps ~17, plus what the transport buffered before it stopped being ready (HTTP/2
      // windows, a few MB up to ~16 MB when grpc-java's window has grown).
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> big.broker().stats().value("tail.dropped") > 500);
      assertThat(stalled.ended).isEmpty();
    }
  }
}
