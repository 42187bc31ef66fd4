package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import dev.sluice.token.Role;
import io.grpc.Channel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrent tails per connection, per principal and per account: past a limit a tail is
 * refused with RESOURCE_EXHAUSTED naming it; closing a tail makes room again.
 */
class TailLimitsTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withTail(c.tail().withTails(3, 5, 7)));

  private final List<TailCollector> open = new ArrayList<>();

  private TailCollector tail(Channel channel) {
    TailCollector tail = TailCollector.tail(channel, "app.>");
    open.add(tail);
    return tail;
  }

  private void awaitOpen(int n) {
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> sluice.broker().stats().value("tail.open") == n);
  }

  private static void assertRefused(TailCollector tail, String limit) throws Exception {
    Status status = tail.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains(limit);
  }

  @Test
  void eachLimitRefusesTheOneTailTooManyAndNamesItself() throws Exception {
    String alice = sluice.token("alice", "acme", Role.MEMBER, "");
    String bob = sluice.token("bob", "acme", Role.MEMBER, "");
    Channel first = sluice.channel(alice);
    for (int i = 0; i < 3; i++) {
      tail(first);
    }
    awaitOpen(3);
    assertRefused(tail(first), "tail.tailsPerConnection");

    Channel second = sluice.channel(alice);
    TailCollector fifth = tail(second);
    tail(second);
    awaitOpen(5);
    assertRefused(tail(second), "tail.tailsPerPrincipal");

    Channel third = sluice.channel(bob);
    tail(third);
    tail(third);
    awaitOpen(7);
    assertRefused(tail(third), "tails of account 'acme' (tail.tailsPerAccount)");

    // Another account is not counted with this one.
    tail(sluice.channel(sluice.token("carol", "beta", Role.MEMBER, "")));
    awaitOpen(8);

    fifth.close(); // room again, for anyone of the account
    awaitOpen(7);
    TailCollector again = tail(third);
    awaitOpen(8);
    assertThat(again.isEnded()).isFalse();
  }

  @Test
  void countsStayExactWhenTailsOpenAndCloseOnManyThreadsAtOnce() throws Exception {
    // A count that reaches zero leaves the map while another thread counts a new tail in:
    // done outside the map's lock, that tail would be lost, and more tails than the limit
    // would be let in while it is open.
    int limit = 2;
    TailLimits limits = new TailLimits(TailSettings.DEFAULTS
        .withTails(1_000, 1_000, limit));
    java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger overLimit =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String connection = "c" + t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < 300_000; i++) {
            TailLimits.Slot slot;
            try {
              slot = limits.acquire(connection, "p", "acme");
            } catch (dev.sluice.broker.error.SluiceException full) {
              continue; // the limit holds: expected while others hold theirs
            }
            if (held.incrementAndGet() > limit) {
              overLimit.incrementAndGet();
            }
            held.decrementAndGet();
            limits.release(slot);
          }
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join(60_000);
      assertThat(worker.isAlive()).isFalse();
    }
    assertThat(failed.get()).isNull();
    assertThat(overLimit).hasValue(0);
    for (int i = 0; i < limit; i++) {
      limits.acquire("c" + i, "p", "acme");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> limits.acquire("c9", "p", "acme"))
        .hasMessageContaining("tail.tailsPerAccount");
  }
}
