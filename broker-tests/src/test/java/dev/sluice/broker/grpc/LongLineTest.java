package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Ack;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A line longer than the line limit is neither dropped nor truncated: it becomes marked parts
 * that concatenate back to it, and the Ack counts it as split.
 */
class LongLineTest {
  private static final int LINE_LIMIT = 1024;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withLimits(1 << 20, 100, LINE_LIMIT));

  @Test
  void longLineArrivesAsMarkedPartsAndAckCountsTheSplit() {
    ManagedChannel channel = sluice.channel();
    String line = text(3000);
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", line).awaitAcked();

    List<Ack> acks = acks(runner);
    assertThat(acks).isNotEmpty();
    assertThat(acks.get(acks.size() - 1).getSeq()).isEqualTo(1);
    assertThat(acks.stream().mapToInt(Ack::getSplitLines).sum()).isEqualTo(1);

    TailCollector tail = TailCollector.tail(channel, fromStart());
    tail.awaitRecords(3);
    List<Record> parts = tail.records();
    assertThat(parts).hasSize(3);
    assertThat(parts).extracting(Record::getPart).containsExactly(1, 2, 3);
    assertThat(parts).extracting(Record::getParts).containsOnly(3);
    assertThat(parts).allSatisfy(r -> assertThat(r.getMessage().length()).isLessThanOrEqualTo(LINE_LIMIT));
    assertThat(parts.stream().map(Record::getMessage).collect(Collectors.joining())).isEqualTo(line);
    assertThat(parts).extracting(Record::getSubject).containsOnly("app.runner-1._");
    assertThat(parts).extracting(Record::getTimeUnixNano).containsOnly(parts.get(0).getTimeUnixNano());
  }

  @Test
  void shortLineIsOneUnmarkedRecordAndAckCountsNoSplit() {
    ManagedChannel channel = sluice.channel();
    String line = text(LINE_LIMIT);
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", line).awaitAcked();

    assertThat(acks(runner)).extracting(Ack::getSplitLines).containsOnly(0);
    TailCollector tail = TailCollector.tail(channel, fromStart());
    tail.awaitRecords(1);
    assertThat(tail.records()).singleElement().satisfies(r -> {
      assertThat(r.getMessage()).isEqualTo(line);
      assertThat(r.getPart()).isZero();
      assertThat(r.getParts()).isZero();
    });
  }

  private static List<Ack> acks(RawRunner runner) {
    return runner.replies().stream().filter(IngestReply::hasAck).map(IngestReply::getAck).toList();
  }

  private static TailRequest fromStart() {
    return TailRequest.newBuilder().setFilter("app.>")
        .setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build();
  }

  private static String text(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + i % 26));
    }
    return b.toString();
  }
}
