package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The budget's own rules (wake-ups, forced takes), and a tail's count of it over real gRPC. */
class SubscriberBudgetTest {
  private static final int BATCH_BYTES = 4 * 1024;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withTail(c.tail().withBatch(c.tail().batchRecords(), BATCH_BYTES)));

  @Test
  void aWakeUpSkipsWaitersThatEndedAndReachesALiveOne() {
    SubscriberBudget budget = new SubscriberBudget(1 << 20, 64 * 1024);
    SubscriberBudget.Share share = budget.share("acme");
    assertThat(budget.tryTake(share, 64 * 1024)).isEqualTo(SubscriberBudget.Refusal.NONE);
    assertThat(budget.tryTake(share, 1)).isEqualTo(SubscriberBudget.Refusal.ACCOUNT);
    AtomicInteger deadWoken = new AtomicInteger();
    for (int i = 0; i < 100; i++) { // tails that waited and then ended
      budget.waitFor(share, SubscriberBudget.Refusal.ACCOUNT, () -> {
        deadWoken.incrementAndGet();
        return false;
      });
    }
    AtomicInteger liveWoken = new AtomicInteger();
    budget.waitFor(share, SubscriberBudget.Refusal.ACCOUNT, () -> {
      liveWoken.incrementAndGet();
      return true;
    });

    budget.give(share, 1_024); // one give: dead ones do not use up its wake-ups

    assertThat(liveWoken).hasValue(1);
    assertThat(deadWoken).hasValue(100);
  }

  @Test
  void aWaiterThatStopsWaitingLeavesItsQueue() {
    SubscriberBudget budget = new SubscriberBudget(1 << 20, 64 * 1024);
    SubscriberBudget.Share share = budget.share("acme");
    budget.tryTake(share, 64 * 1024);
    AtomicInteger woken = new AtomicInteger();
    SubscriberBudget.Waiter waiter = () -> woken.incrementAndGet() > 0;
    budget.waitFor(share, SubscriberBudget.Refusal.ACCOUNT, waiter);
    budget.waitFor(share, SubscriberBudget.Refusal.TOTAL, waiter);
    budget.stopWaiting(share, waiter);
    budget.stopWaiting(share, waiter);

    budget.give(share, 64 * 1024);

    assertThat(woken).hasValue(0);
  }

  @Test
  void forcedBytesAreCountedAndANegativeGiveIsABug() {
    SubscriberBudget budget = new SubscriberBudget(1 << 20, 64 * 1024);
    SubscriberBudget.Share share = budget.share("acme");
    budget.force(share, 100 * 1024); // beyond the account's bound, still counted
    assertThat(budget.used("acme")).isEqualTo(100 * 1024);
    assertThat(budget.hasRoom(share, 1)).isFalse();
    budget.give(share, 100 * 1024);
    assertThat(budget.used()).isZero();
    assertThatThrownBy(() -> budget.give(share, -1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void replayingRecordsLargerThanAMessageGivesBackExactlyWhatItTook() {
    // Each stored line is five times a message's bytes: a replay sends it on its own all the
    // same, and must count all of it, or the budget drifts below zero with every replay.
    RawRunner runner = RawRunner.connect(sluice.channel(), "big", "r1");
    String line = "z".repeat(5 * BATCH_BYTES);
    runner.lines("", line, line, line, line, line).awaitAcked();
    for (int round = 0; round < 10; round++) {
      List<TailCollector> tails = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        tails.add(TailCollector.tail(sluice.channel(), TailRequest.newBuilder()
            .setFilter("big.>").setStart(StartPosition.newBuilder().setLastN(5)).build()));
      }
      for (TailCollector tail : tails) {
        tail.awaitRecords(5);
        assertThat(tail.lines()).containsOnly(line);
      }
      tails.forEach(TailCollector::close);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> sluice.broker().stats().value("tail.open") == 0);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> sluice.broker().stats().value("tail.held_bytes") == 0);
    }
  }
}
