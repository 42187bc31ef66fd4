package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.testing.BrokerExtension;
import dev.sluice.broker.testing.TailCollector;
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
  final BrokerExtension sluice = BrokerExtension.secured(c -> c.withIsolation(
      c.isolation().withTails(3, 5, 7)));

  private final List<TailCollector> open = new ArrayList<>();

  private TailCollector tail(Channel channel) {
    TailCollector tail = TailCollector.tail(channel, "app.>");
    open.add(tail);
    return tail;
  }

  private void awaitOpen(int n) {
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> sluice.broker().openTails() == n);
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
    assertRefused(tail(first), "isolation.tailsPerConnection");

    Channel second = sluice.channel(alice);
    TailCollector fifth = tail(second);
    tail(second);
    awaitOpen(5);
    assertRefused(tail(second), "isolation.tailsPerPrincipal");

    Channel third = sluice.channel(bob);
    tail(third);
    tail(third);
    awaitOpen(7);
    assertRefused(tail(third), "tails of account 'acme' (isolation.tailsPerAccount)");

    // Another account is not counted with this one.
    tail(sluice.channel(sluice.token("carol", "beta", Role.MEMBER, "")));
    awaitOpen(8);

    fifth.close(); // room again, for anyone of the account
    awaitOpen(7);
    TailCollector again = tail(third);
    awaitOpen(8);
    assertThat(again.isEnded()).isFalse();
  }
}
