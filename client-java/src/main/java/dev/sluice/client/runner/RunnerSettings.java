package dev.sluice.client.runner;

import dev.sluice.proto.v1.Hello;
import io.grpc.Status;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The validated settings a {@link SluiceRunner.Builder} produces. The token is kept out of
 * {@link #toString()} so it cannot reach a log by accident.
 */
record RunnerSettings(
    String target,
    Hello hello,
    String token,
    int bufferRecords,
    int maxBatchRecords,
    Duration linger,
    Duration closeTimeout,
    Duration welcomeTimeout,
    Consumer<Status> errorListener) {

  @Override
  public String toString() {
    return "RunnerSettings[target=" + target + ", app=" + hello.getApp() + ", runner="
        + hello.getRunner() + ", token=" + (token == null ? "none" : "<redacted>")
        + ", bufferRecords=" + bufferRecords + ", maxBatchRecords=" + maxBatchRecords
        + ", linger=" + linger + "]";
  }
}
