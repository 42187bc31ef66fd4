package dev.sluice.client.runner;

import dev.sluice.proto.v1.Hello;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Settings and lines for the tests of the runner's policies, without a broker. */
final class RunnerPolicyFixtures {
  static final Duration LINGER = Duration.ofMillis(5);

  private RunnerPolicyFixtures() {}

  static RunnerSettings settings(int maxBatchRecords) {
    return new RunnerSettings("127.0.0.1:1", Hello.newBuilder().setApp("app")
        .setRunner("runner-1").build(), null, 1_000, maxBatchRecords, LINGER,
        Duration.ofSeconds(5), Duration.ofSeconds(10), null);
  }

  static byte[] line(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
