package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.testing.BrokerChannels;
import dev.sluice.testing.RawHttp2;
import dev.sluice.testing.RawRunner;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose clients hold thousands of stalled tails still shuts down within its bound:
 * ingest drains, and the tails that cannot take their last messages are cut.
 */
class StalledShutdownTest {
  private static final int TAILS = 2_000;
  private static final Duration GRACE = Duration.ofSeconds(2);

  @Test
  void shutdownEndsInTimeWithThousandsOfStalledTails(@TempDir Path dataDir) throws Exception {
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withShutdownGrace(GRACE)
        .withTail(TailSettings.DEFAULTS.withTails(TAILS, TAILS, TAILS));
    Broker broker = Broker.start(config);
    try (RawHttp2 stalled = RawHttp2.connect(broker.grpcPort())) {
      for (int i = 0; i < TAILS; i++) {
        stalled.openTail("app.>", null);
      }
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> broker.stats().value("tail.open") == TAILS);
      BrokerChannels.with(broker, channel -> {
        RawRunner runner = RawRunner.connect(channel, "app", "r1");
        LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(2_000));
        for (int i = 0; i < 2_000; i++) {
          batch.addLines(LogLine.newBuilder().setMessage("y".repeat(500)));
        }
        runner.send(IngestFrame.newBuilder().setBatch(batch).build()).awaitAcked();
        // Thousands of readers, none reading: the ingest stream stays open into the shutdown.
        long start = System.nanoTime();
        broker.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isLessThan(Broker.shutdownBound(config));
      });
    } finally {
      broker.close();
    }
  }
}
