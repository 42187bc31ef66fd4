package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.testing.RawHttp2;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import dev.sluice.token.Role;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Readers that open many tails and never read (no WINDOW_UPDATE, so HTTP/2 flow control stalls
 * every stream) while their account's runner logs fast: the bytes the broker holds for them
 * stay within the account's budget, their tails are cut once they have taken nothing for the
 * stall timeout, and another account's reader gets every line meanwhile.
 */
class StalledTailsTest {
  private static final long ACCOUNT_BUDGET = 4L << 20;
  private static final long BUDGET = 16L << 20;
  private static final Duration STALL = Duration.ofSeconds(2);
  private static final int TAILS = 300;
  private static final String LINE = "x".repeat(1_000);
  private static final long VICTIM_HELD = 40 * 256; // 40 lines "victim N", encoded

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withTail(c.tail()
      .withSubscriberBytes(BUDGET, ACCOUNT_BUDGET).withStalledTail(STALL)));

  @Test
  void stalledTailsHoldNoMoreThanTheirAccountsBudgetAreCutAndOthersAreServed()
      throws Exception {
    TailCollector victim = TailCollector.tail(
        sluice.channel(sluice.token("v", "beta", Role.MEMBER, "")), "app.>");
    RawRunner victimRunner = RawRunner.connect(
        sluice.channel(sluice.token("r", "beta", Role.RUNNER, "app")), "app", "r1");
    RawRunner busy = RawRunner.connect(
        sluice.channel(sluice.token("r", "acme", Role.RUNNER, "app")), "app", "r1");
    long directBefore = directMemory();

    try (RawHttp2 attacker = RawHttp2.connect(sluice.broker().grpcPort())) {
      String bearer = "Bearer " + sluice.token("m", "acme", Role.MEMBER, "");
      List<Http2FrameStream> streams = new ArrayList<>();
      for (int i = 0; i < TAILS; i++) {
        streams.add(attacker.openTail("app.>", bearer));
      }
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> sluice.broker().stats().value("tail.open") >= TAILS + 1);

      long peak = 0;
      for (int b = 0; b < 40; b++) { // 40 MB of lines, each to 300 readers that do not read
        busy.send(batch(busy, 1_000));
        victimRunner.lines("", "victim " + b);
        peak = Math.max(peak, sluice.broker().stats().value("tail.held_bytes"));
      }
      busy.awaitAckOf(40L * 1_000);
      victimRunner.awaitAcked();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> victim.lines().size() >= 40);
      peak = Math.max(peak, sluice.broker().stats().value("tail.held_bytes"));
      // Not 300 readers times their own bounds (16 MiB queued, a message in transport each).
      // The total also counts the victim's own lines (another account, at most its 40 short
      // lines in flight), while the attacker's account is at its budget.
      assertThat(peak).isLessThanOrEqualTo(ACCOUNT_BUDGET + VICTIM_HELD);
      // What the transport really holds (messages copied into direct buffers that wait in
      // flow control) stays within the bound too, give or take the allocator's own chunks.
      assertThat(directMemory() - directBefore).isLessThan(ACCOUNT_BUDGET + (16L << 20));
      assertThat(victim.isEnded()).isFalse();

      // The tails whose messages wait in transport are cut once nothing moved for the stall
      // timeout (their bytes go to the next readers in turn, which then stall too).
      Awaitility.await().atMost(STALL.multipliedBy(4))
          .until(() -> sluice.broker().stats().value("tail.stalled") > 0);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> streams.stream()
          .anyMatch(s -> ("RST " + 0xb).equals(attacker.ended(s.id()))));
      assertThat(sluice.broker().stats().value("tail.held_bytes"))
          .isLessThanOrEqualTo(ACCOUNT_BUDGET + VICTIM_HELD);
    }
    // The attacker gone, everything it held comes back.
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> sluice.broker().stats().value("tail.open") == 1);
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> sluice.broker().stats().value("tail.held_bytes") < 64 * 1024);
    victimRunner.lines("", "after").awaitAcked();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> victim.lines().contains("after"));
  }

  @Test
  void idleTailsHoldNothingOfTheBudgetOnceTheyAreLive() {
    // Each tail replays the last record and then waits: were it to keep a reserve, a few
    // hundred would take the whole account budget and the rest would never start.
    RawRunner runner = RawRunner.connect(
        sluice.channel(sluice.token("r", "acme", Role.RUNNER, "app")), "app", "r1");
    runner.lines("", LINE).awaitAcked();
    io.grpc.Channel reader = sluice.channel(sluice.token("m", "acme", Role.MEMBER, ""));
    List<TailCollector> tails = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      tails.add(TailCollector.tail(reader, dev.sluice.proto.v1.TailRequest.newBuilder()
          .setFilter("app.>").setStart(dev.sluice.proto.v1.StartPosition.newBuilder()
              .setLastN(1)).build()));
    }
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> tails.stream().allMatch(t -> t.records().size() == 1));
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> sluice.broker().stats().value("tail.held_bytes") == 0);
  }

  private static long directMemory() {
    return ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator
        .DEFAULT).metric().usedDirectMemory();
  }

  private static IngestFrame batch(RawRunner runner, int lines) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(lines));
    for (int i = 0; i < lines; i++) {
      batch.addLines(LogLine.newBuilder().setMessage(LINE));
    }
    return IngestFrame.newBuilder().setBatch(batch).build();
  }
}
