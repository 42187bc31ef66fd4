package dev.sluice.client.runner;

import static dev.sluice.client.runner.RunnerPolicyFixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When the runner retries its stream, without a broker. */
class ReconnectsTest {
  private final Reconnects reconnects = new Reconnects(settings(10));

  @Test
  void theFirstAttemptIsDueAtOnceAndIsNoRetry() {
    long now = System.nanoTime();

    assertThat(reconnects.due(now)).isTrue();
    assertThat(reconnects.opening(now)).isFalse();
    assertThat(reconnects.opening(now)).isTrue();
  }

  @Test
  void aWelcomeIsDueWithinTheWelcomeTimeoutOfOpening() {
    long now = System.nanoTime();
    reconnects.opening(now);

    assertThat(reconnects.welcomeDeadlineNanos()).isEqualTo(now + Duration.ofSeconds(10).toNanos());
    assertThat(reconnects.noWelcome()).isEqualTo("no Welcome within 10000 ms");
  }

  @Test
  void statusesNoRetryCanFixAreRefusalsAndTheRestAreRetried() {
    for (Status.Code code : new Status.Code[] {Status.Code.INVALID_ARGUMENT,
        Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED,
        Status.Code.FAILED_PRECONDITION, Status.Code.UNIMPLEMENTED}) {
      assertThat(reconnects.refused(Status.fromCode(code))).as(code.name()).isTrue();
    }
    assertThat(reconnects.refused(Status.UNAVAILABLE)).isFalse();
    assertThat(reconnects.refused(Status.DEADLINE_EXCEEDED)).isFalse();
  }

  @Test
  void aRetryWaitsForTheBackoffWhichAWelcomeResets() {
    long before = System.nanoTime();
    reconnects.opening(before);
    reconnects.retryLater(Status.UNAVAILABLE, false);
    reconnects.retryLater(Status.UNAVAILABLE, false);
    reconnects.retryLater(Status.UNAVAILABLE, false); // base 400 ms: at least 200 ms

    assertThat(reconnects.due(before)).isFalse();
    assertThat(reconnects.reconnectAtNanos() - before)
        .isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());

    reconnects.welcomed(0, 0);
    long again = System.nanoTime();
    reconnects.abandoned("no acks"); // base 100 ms again: at most 100 ms
    assertThat(reconnects.reconnectAtNanos() - again)
        .isLessThanOrEqualTo(Duration.ofMillis(100).toNanos() + (System.nanoTime() - again));
  }
}
