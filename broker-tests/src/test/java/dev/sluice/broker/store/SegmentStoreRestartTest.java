package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.BrokerChannels;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment store across a broker restart: acknowledged lines are there, the runner
 * session's progress is too (Welcome says where to resume), resends are not stored twice, and
 * sequence numbers go on.
 */
class SegmentStoreRestartTest {

  @Test
  void acknowledgedLinesAndSessionProgressSurviveARestart(@TempDir Path dataDir) throws Exception {
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withStore(BrokerConfig.StoreKind.SEGMENT, FsyncPolicy.always());
    try (Broker first = Broker.start(config)) {
      BrokerChannels.with(first, channel -> {
        RawRunner runner = hello(channel);
        assertThat(runner.replies().get(0).getWelcome().getLastDurableSeq()).isZero();
        runner.send(batch(1, 50)).awaitAckOf(50);
      });
    }
    try (Broker second = Broker.start(config)) {
      // A clean shutdown leaves nothing to repair, and the broker says so.
      assertThat(second.storeRecovery()).hasValueSatisfying(r -> {
        assertThat(r.truncatedBytes()).isZero();
        assertThat(r.damage()).isEmpty();
      });
      BrokerChannels.with(second, channel -> {
        RawRunner runner = hello(channel);
        assertThat(runner.replies().get(0).getWelcome().getLastDurableSeq()).isEqualTo(50);
        // A runner that did not see its last acks resends 41..50 along with 51..60.
        runner.send(batch(41, 60)).awaitAckOf(60);

        TailCollector tail = TailCollector.tail(channel, TailRequest.newBuilder()
            .setFilter("app.>").setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build());
        tail.awaitRecords(60);
        assertThat(tail.lines()).isEqualTo(IntStream.rangeClosed(1, 60)
            .mapToObj(i -> "line " + i).collect(Collectors.toList()));
        List<Long> seqs = tail.records().stream().map(Record::getSeq).collect(Collectors.toList());
        assertThat(seqs).isEqualTo(IntStream.rangeClosed(1, 60).mapToObj(i -> (long) i)
            .collect(Collectors.toList()));
      });
    }
  }


  private static RawRunner hello(ManagedChannel channel) {
    return RawRunner.connect(channel, "app", "r1", "session-1");
  }

  private static IngestFrame batch(int from, int to) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(from);
    for (int i = from; i <= to; i++) {
      batch.addLines(LogLine.newBuilder().setMessage("line " + i));
    }
    return IngestFrame.newBuilder().setBatch(batch).build();
  }
}
