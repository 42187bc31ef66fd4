package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.OpenAccess;
import dev.sluice.broker.store.DamagedStoreTest.Located;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentFiles;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.BrokerChannels;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged segments across real broker restarts, as an operator meets them: a runner's
 * acknowledged lines, a byte flipped on disk, and what tails, queries and the log say after.
 */
class DamagedLogRestartTest {
  private static final String PAD = "x".repeat(100);

  private static BrokerConfig config(Path dataDir, long segmentBytes) {
    return BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir).withInsecure(true)
        .withStore(BrokerConfig.StoreKind.SEGMENT, FsyncPolicy.always())
        .withSegmentBytes(segmentBytes);
  }


  /** A runner logs lines 1..count in batches, every one acknowledged; the broker stops. */
  private static void logAcknowledged(BrokerConfig config, int count, int batch, String text)
      throws Exception {
    try (Broker broker = Broker.start(config)) {
      BrokerChannels.with(broker, channel -> {
        RawRunner runner = hello(channel);
        for (int i = 1; i <= count; i += batch) {
          runner.send(batch(i, Math.min(count, i + batch - 1), text));
        }
        runner.awaitAckOf(count);
      });
    }
  }

  private static RawRunner hello(ManagedChannel channel) {
    return RawRunner.connect(channel, "app", "r1", "session-1");
  }

  private static IngestFrame batch(int from, int to, String text) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(from);
    for (int i = from; i <= to; i++) {
      batch.addLines(LogLine.newBuilder().setMessage("line " + i + " " + text));
    }
    return IngestFrame.newBuilder().setBatch(batch).build();
  }

  /** Every record a query over the whole history returns, with its notices. */
  private static List<Long> query(ManagedChannel channel, List<Notice> notices) {
    List<Long> seqs = new ArrayList<>();
    QueryRequest.Builder request = QueryRequest.newBuilder().setFilter("app.>").setLimit(10_000);
    for (int page = 0; page < 10_000; page++) {
      QueryResponse response = LogsGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS).query(request.build());
      response.getRecordsList().forEach(r -> seqs.add(r.getSeq()));
      notices.addAll(response.getNoticesList());
      if (response.getNextPageCursor().isEmpty()) {
        break;
      }
      request.setPageCursor(response.getNextPageCursor());
    }
    return seqs;
  }

  private static List<Long> seqs(long from, long to, long... except) {
    List<Long> out = LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    for (long e : except) {
      out.remove(e);
    }
    return out;
  }

  @Test
  void aFlippedByteCostsOneAcknowledgedLineWhichTailsQueriesAndTheLogName(@TempDir Path dataDir)
      throws Exception {
    BrokerConfig config = config(dataDir, BrokerConfig.DEFAULT_SEGMENT_BYTES);
    logAcknowledged(config, 10_000, 100, PAD);
    Path log = dataDir.resolve("log");
    Located hit = DamagedStoreTest.record(DamagedStoreTest.locate(log), 5_002);
    SegmentFiles.flip(hit.segment(), hit.frame().offset() + hit.frame().header() + 60);

    try (LogCapture capture = LogCapture.start(); Broker broker = Broker.start(config)) {
      assertThat(capture.text())
          .contains("account " + OpenAccess.ACCOUNT + ": record 5002 was lost to damage in the "
              + "store; it had been stored and acknowledged")
          .contains("runner sessions resume from before the damage")
          .doesNotContain("batch a crash cut short").doesNotContain("could not cut");
      assertThat(broker.storeRecovery()).hasValueSatisfying(r -> {
        assertThat(r.truncatedBytes()).isZero();
        assertThat(r.damage()).singleElement()
            .satisfies(d -> assertThat(d.from()).isEqualTo(hit.frame().offset()));
      });
      BrokerChannels.with(broker, channel -> {
        TailCollector tail = TailCollector.tail(channel, TailRequest.newBuilder()
            .setFilter("app.>").setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build());
        tail.awaitRecords(9_999);
        assertThat(tail.records()).extracting(Record::getSeq)
            .isEqualTo(seqs(1, 10_000, 5_002));
        assertThat(tail.notices()).singleElement().satisfies(n -> {
          assertThat(n.getKind()).isEqualTo(NoticeKind.GAP);
          assertThat(n.getFirstSeq()).isEqualTo(5_002);
          assertThat(n.getLastSeq()).isEqualTo(5_002);
          assertThat(n.getCount()).isEqualTo(1);
          assertThat(n.getDetail()).contains("record 5002 was lost to damage in the store");
        });
        assertThat(tail.noticePlaces()).containsExactly(5_001L); // right where it lies

        List<Notice> notices = new ArrayList<>();
        assertThat(query(channel, notices)).isEqualTo(seqs(1, 10_000, 5_002));
        assertThat(notices).extracting(Notice::getFirstSeq).containsExactly(5_002L);

        // The damage is in the segment being written, which a crash can do to its last write:
        // the runner's session resumes from the batch before it, so the runner sends again
        // what it had not had acknowledged (here: nothing), and nothing is lost.
        RawRunner runner = hello(channel);
        assertThat(runner.replies().get(0).getWelcome().getLastDurableSeq()).isEqualTo(5_000);
        runner.send(batch(10_001, 10_001, PAD)).awaitAckOf(10_001);
        tail.awaitRecords(10_000);
        assertThat(tail.records().get(9_999).getSeq()).isEqualTo(10_001);
      });
    }
    // The next start knows the damage: it says so once more, without raising the alarm again.
    try (LogCapture capture = LogCapture.start(); Broker broker = Broker.start(config)) {
      assertThat(capture.text()).contains("record 5002 was lost to damage in the store "
          + "(known damage)");
    }
  }

  @Test
  void aFlippedByteInAnOlderSegmentCostsOneLineAndTheRestOfItsSegmentIsServed(
      @TempDir Path dataDir) throws Exception {
    BrokerConfig config = config(dataDir, 4L * 1024 * 1024);
    String kib = "y".repeat(1024);
    logAcknowledged(config, 10_000, 250, kib);
    Path log = dataDir.resolve("log");
    List<Path> segments = SegmentFiles.segments(log);
    assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
    List<Located> frames = DamagedStoreTest.locate(log);
    // A record in the middle of the first segment, inside a batch of 250.
    Located hit = frames.stream().filter(l -> l.segment().equals(segments.get(0))
        && l.type() == SegmentStore.RECORD && l.seq() % 250 == 100).skip(3).findFirst()
        .orElseThrow();
    SegmentFiles.flip(hit.segment(), hit.frame().offset() + hit.frame().header() + 500);
    try (Broker broker = Broker.start(config)) {
      BrokerChannels.with(broker, channel -> {
        List<Notice> notices = new ArrayList<>();
        assertThat(query(channel, notices)).isEqualTo(seqs(1, 10_000, hit.seq()));
        assertThat(notices).extracting(Notice::getFirstSeq).containsExactly(hit.seq());
      });
    }
  }

  @Test
  void aWriteTornAtTheEndIsCutAndItsBatchIsSentAgainAndStoredOnce(@TempDir Path dataDir)
      throws Exception {
    BrokerConfig config = config(dataDir, BrokerConfig.DEFAULT_SEGMENT_BYTES);
    logAcknowledged(config, 1_000, 100, PAD);
    // The crash: the last batch's write reached the disk only in part (its end frame is cut).
    Path segment = SegmentFiles.segments(dataDir.resolve("log")).get(0);
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() - 7);
    }
    long size = Files.size(segment);
    try (LogCapture capture = LogCapture.start(); Broker broker = Broker.start(config)) {
      assertThat(capture.text()).contains("dropped 100 records of a batch whose end a crash cut "
          + "off (its write was torn, so it was never acknowledged; the runner sends it again)");
      assertThat(broker.storeRecovery()).hasValueSatisfying(r -> {
        assertThat(r.damage()).isEmpty();
        assertThat(r.truncatedBytes()).isPositive();
      });
      assertThat(Files.size(segment)).isLessThan(size);
      BrokerChannels.with(broker, channel -> {
        RawRunner runner = hello(channel);
        assertThat(runner.replies().get(0).getWelcome().getLastDurableSeq()).isEqualTo(900);
        runner.send(batch(901, 1_000, PAD)).awaitAckOf(1_000);
        List<Notice> notices = new ArrayList<>();
        assertThat(query(channel, notices)).isEqualTo(seqs(1, 1_000));
        assertThat(notices).isEmpty();
      });
    }
  }
}
