package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.HoldingClient;
import dev.sluice.testing.SluiceBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that disappears without resetting its streams (SIGKILL) leaves no tail registered
 * and no ingest session open: the connection's close ends its calls.
 */
class ConnectionLossTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  @Test
  void killedClientsCallsAreEnded() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process client = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        HoldingClient.class.getName(), Integer.toString(sluice.broker().grpcPort()))
        .redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("holding");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
          sluice.broker().stats().value("tail.open") == 1 && sluice.broker().stats().value("ingest.streams") == 1);

      client.destroyForcibly(); // SIGKILL: no RST_STREAM, only the TCP connection closes
      assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();

      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
          sluice.broker().stats().value("tail.open") == 0 && sluice.broker().stats().value("ingest.streams") == 0);
    } finally {
      client.destroyForcibly();
    }
  }
}
