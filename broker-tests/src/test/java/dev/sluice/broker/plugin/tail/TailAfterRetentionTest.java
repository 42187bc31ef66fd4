package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.broker.BrokerConfig.Retention;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tail resuming from a cursor whose records retention has deleted since: it is told how many
 * are gone in one GAP notice, then gets every record still stored, in order, once each.
 */
class TailAfterRetentionTest {
  private static final long LIMIT = 48 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withMemoryStoreRecords(50)
      .withSegmentBytes(16 * 1024)
      .withRetention(new Retention(Duration.ofDays(30), LIMIT, Duration.ofMillis(100))));

  @Test
  void tailFromADeletedCursorGetsOneGapNoticeThenEveryStoredRecord() throws Exception {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    send(runner, 1, 100);
    ByteString tenth;
    try (TailCollector first = TailCollector.tail(channel, request(
        StartPosition.newBuilder().setSinceUnixNano(1)))) {
      first.awaitRecords(100);
      assertThat(first.records().get(9).getMessage()).startsWith("line 10 ");
      tenth = first.records().get(9).getCursor();
    }
    send(runner, 101, 3_000);
    Path log = sluice.dataDir().resolve("log");
    Awaitility.await().atMost(WAIT).until(() -> segmentBytes(log) <= LIMIT);

    TailCollector tail = TailCollector.tail(channel, request(
        StartPosition.newBuilder().setAfterCursor(tenth)));
    Awaitility.await().atMost(WAIT).until(() -> !tail.records().isEmpty()
        && tail.records().get(tail.records().size() - 1).getSeq() >= 3_000);

    List<Record> records = tail.records();
    long kept = records.get(0).getSeq();
    assertThat(kept).as("first record still stored").isGreaterThan(100);
    assertThat(records.stream().map(Record::getSeq).toList()).containsExactlyElementsOf(
        LongStream.rangeClosed(kept, 3_000).boxed().toList());
    assertThat(records).allSatisfy(r -> assertThat(r.getMessage())
        .startsWith("line " + r.getSeq() + " "));
    List<Notice> notices = tail.notices();
    assertThat(notices).hasSize(1);
    assertThat(notices.get(0).getKind()).isEqualTo(NoticeKind.GAP);
    assertThat(notices.get(0).getCount()).as("records after the cursor that are gone")
        .isEqualTo(kept - 11);
  }

  private static void send(RawRunner runner, int from, int to) {
    for (int i = from; i <= to; i += 100) {
      runner.lines("", IntStream.rangeClosed(i, Math.min(to, i + 99))
          .mapToObj(n -> "line " + n + " " + "y".repeat(40)).toArray(String[]::new));
    }
    runner.awaitAcked();
  }

  private static long segmentBytes(Path log) throws Exception {
    try (Stream<Path> files = Files.list(log)) {
      long total = 0;
      for (Path file : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
        try {
          total += Files.size(file);
        } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
          // retention removed it between the listing and now
        }
      }
      return total;
    }
  }

  private static TailRequest request(StartPosition.Builder start) {
    return TailRequest.newBuilder().setFilter("app.>").setStart(start).build();
  }
}
