package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.ChildOutput;
import dev.sluice.testing.SluiceBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice up} with the gateway on the class path, as the {@code ./sluice} launcher runs
 * it: broker and gateway start, {@code /healthz} answers, SIGTERM stops both cleanly.
 */
class SluiceUpTest {
  /**
   * Longer than {@code up}'s own bounds (30 s for the broker, then 30 s for the gateway), so a
   * slow machine makes {@code up} report what it waited for instead of this test timing out
   * first, and the failure shows the child's output.
   */
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void upStartsBrokerAndGatewayAndStopsBoth(@TempDir Path dataDir) throws Exception {
    int grpc = SluiceBroker.freePort();
    int http = SluiceBroker.freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process up = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "up", "--grpc", "127.0.0.1:" + grpc,
        "--http", "127.0.0.1:" + http, "--data-dir", dataDir.toString())
        .redirectErrorStream(true).start();
    List<String> output = ChildOutput.lines(up);
    try {
      try {
        Awaitility.await().atMost(START).until(() ->
            output.stream().anyMatch(l -> l.startsWith("Sluice is up")) || !up.isAlive());
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("no 'Sluice is up' within " + START + "; output:\n"
            + String.join("\n", output), e);
      }
      assertThat(output).as(String.join("\n", output)).anyMatch(l -> l.startsWith("Sluice is up: broker gRPC on 127.0.0.1:"
          + grpc + ", gateway HTTP on 127.0.0.1:" + http));

      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + http + "/healthz")).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      assertThat(up.toHandle().destroy()).isTrue(); // SIGTERM
      assertThat(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      Awaitility.await().atMost(WAIT).until(() ->
          output.stream().anyMatch(l -> l.contains("sluice gateway: stopped cleanly"))
          && output.stream().anyMatch(l -> l.contains("sluice broker: stopped cleanly")));
    } finally {
      up.descendants().forEach(ProcessHandle::destroyForcibly);
      up.destroyForcibly();
    }
  }
}
