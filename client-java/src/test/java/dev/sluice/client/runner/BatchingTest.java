package dev.sluice.client.runner;

import static dev.sluice.client.runner.RunnerPolicyFixtures.LINGER;
import static dev.sluice.client.runner.RunnerPolicyFixtures.line;
import static dev.sluice.client.runner.RunnerPolicyFixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Welcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When the runner's unsent lines are due, and how many a frame carries. */
class BatchingTest {
  private static final long NOW = 1_000_000_000L;

  private final Batching batching = new Batching(settings(10));
  private final Outbox outbox = new Outbox(1_000);
  private final Closing closing = new Closing(Duration.ofSeconds(5));

  @Test
  void nothingUnsentIsNeverDue() {
    assertThat(batching.dueAtNanos(outbox, NOW, closing)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aLineGoesAtOnceWhileFewerThanTwoFramesAreInFlight() {
    outbox.addLine(line("a"), NOW);
    batching.nextFrame(outbox);
    outbox.addLine(line("b"), NOW);

    assertThat(outbox.framesInFlight()).isEqualTo(Batching.EAGER_FRAMES - 1);
    assertThat(batching.dueAtNanos(outbox, NOW, closing)).isEqualTo(NOW);
  }

  @Test
  void aPartialBatchWaitsForTheLingerOnceTwoFramesAreInFlight() {
    twoFramesInFlight();
    outbox.addLine(line("c"), NOW + 7);

    assertThat(batching.dueAtNanos(outbox, NOW + 8, closing))
        .isEqualTo(NOW + 7 + LINGER.toNanos());
  }

  @Test
  void aFullBatchGoesAtOnce() {
    twoFramesInFlight();
    for (int i = 0; i < 10; i++) {
      outbox.addLine(line("l" + i), NOW);
    }

    assertThat(batching.dueAtNanos(outbox, NOW + 1, closing)).isEqualTo(NOW + 1);
  }

  @Test
  void linesAFlushOrTheCloseWaitsForGoAtOnce() {
    twoFramesInFlight();
    outbox.addLine(line("c"), NOW);
    closing.flushTo(outbox.lastSeq());
    assertThat(batching.dueAtNanos(outbox, NOW + 1, closing)).isEqualTo(NOW + 1);

    outbox.addLine(line("d"), NOW);
    batching.nextFrame(outbox); // c and d
    outbox.addLine(line("e"), NOW);
    assertThat(batching.dueAtNanos(outbox, NOW + 1, closing)).isEqualTo(NOW + LINGER.toNanos());
    closing.begin(0);
    assertThat(batching.dueAtNanos(outbox, NOW + 1, closing)).isEqualTo(NOW + 1);
  }

  @Test
  void theSenderWakesForTheFirstUnsentLineAndForAFullBatchOnly() {
    assertThat(batching.wakesSender(1)).isTrue();
    assertThat(batching.wakesSender(2)).isFalse();
    assertThat(batching.wakesSender(10)).isTrue();
  }

  @Test
  void theWelcomeLowersTheLinesPerFrameButNeverRaisesThem() {
    batching.welcomed(Welcome.newBuilder().setMaxRecordsPerBatch(3).build());
    for (int i = 0; i < 12; i++) {
      outbox.addLine(line("l" + i), NOW);
    }
    assertThat(batching.nextFrame(outbox).lines()).hasSize(3);
    assertThat(batching.wakesSender(3)).isTrue();

    batching.welcomed(Welcome.newBuilder().setMaxRecordsPerBatch(500).build());
    assertThat(batching.nextFrame(outbox).lines()).hasSize(9);
  }

  @Test
  void theWelcomesFrameLimitBoundsTheBytesOfAFrame() {
    // 1,024 bytes are kept for the frame's own framing: 20 are left for lines.
    batching.welcomed(Welcome.newBuilder().setMaxFrameBytes(1_024 + 20).build());
    for (int i = 0; i < 5; i++) {
      outbox.addLine(line("0123456789"), NOW);
    }

    assertThat(batching.nextFrame(outbox).lines()).hasSize(2);
  }

  private void twoFramesInFlight() {
    outbox.addLine(line("a"), NOW);
    batching.nextFrame(outbox);
    outbox.addLine(line("b"), NOW);
    batching.nextFrame(outbox);
    assertThat(outbox.framesInFlight()).isEqualTo(Batching.EAGER_FRAMES);
  }
}
