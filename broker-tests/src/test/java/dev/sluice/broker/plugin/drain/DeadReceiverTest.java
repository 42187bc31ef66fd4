package dev.sluice.broker.plugin.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.ManagedChannel;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A dead endpoint (it accepts connections and never answers) does not slow ingest: the drain
 * is a cursor on the store, so ingest never waits for it. Measured as a ratio of ingest time
 * against the same workload without a drain, in the same test (the machine is shared).
 */
class DeadReceiverTest {
  private static final int ROUNDS = 15;
  private static final int LINES = 500;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withDrains(Receiver.settings()
      .withTimeout(Duration.ofMillis(300))
      // Never disabled here: the drain keeps failing (and retrying) while ingest is measured.
      .withDisableAfter(1_000)));

  private static long ingestNanos(ManagedChannel channel, String runnerName) {
    RawRunner runner = RawRunner.connect(channel, "app", runnerName);
    String[] batch = new String[LINES];
    java.util.Arrays.fill(batch, "x".repeat(200));
    long start = System.nanoTime();
    for (int i = 0; i < ROUNDS; i++) {
      runner.lines("", batch).awaitAcked();
    }
    return System.nanoTime() - start;
  }

  @Test
  void aDeadEndpointDoesNotSlowIngest() throws Exception {
    ManagedChannel channel = sluice.channel();
    ingestNanos(channel, "warm-up");
    long without = Math.min(ingestNanos(channel, "a1"), ingestNanos(channel, "a2"));

    try (Receiver dead = Receiver.start()) {
      dead.silent(true);
      DrainsGrpc.newBlockingStub(channel).createDrain(CreateDrainRequest.newBuilder()
          .setSpec(DrainSpec.newBuilder().setName("dead").setUrl(dead.url())
              .setSecret(DrainDeliveryTest.SECRET).setMaxBatchLines(100).setFlushIntervalMs(100))
          .build());
      long with = Math.min(ingestNanos(channel, "b1"), ingestNanos(channel, "b2"));

      double ratio = (double) with / without;
      System.out.printf("ingest %d lines: without drain %d ms, with a dead drain %d ms, "
          + "ratio %.2f%n", ROUNDS * LINES, without / 1_000_000, with / 1_000_000, ratio);
      // Same work either way; the bound leaves room for a noisy shared machine.
      assertThat(ratio).isLessThan(2.0);
      // And the drain really was failing all along, holding no lines in memory for it.
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> status(channel)
          .getTotalFailures() >= 2);
      assertThat(status(channel).getEnabled()).isTrue();
      assertThat(status(channel).getDeliveredLines()).isZero();
      assertThat(status(channel).getLagLines()).isGreaterThan(0);
    }
  }

  private static DrainStatus status(ManagedChannel channel) {
    return DrainsGrpc.newBlockingStub(channel).getDrain(DrainRef.newBuilder().setName("dead")
        .build()).getStatus();
  }
}
