package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.common.testing.JavaProcess;
import dev.sluice.testing.SluiceBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice up} with the gateway on the class path, as the {@code ./sluice} launcher runs
 * it: broker and gateway start, {@code /healthz} answers, SIGTERM stops both cleanly; a config
 * file and the environment reach both.
 */
class SluiceUpTest {
  private static final String CLI = "dev.sluice.client.cli.SluiceCli";
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
    try (JavaProcess up = JavaProcess.start(CLI, Map.of(), "up", "--grpc",
        "127.0.0.1:" + grpc, "--http", "127.0.0.1:" + http, "--data-dir", dataDir.toString())) {
      up.awaitLineStartingWith("Sluice is up: broker gRPC on 127.0.0.1:" + grpc
          + ", gateway HTTP on 127.0.0.1:" + http, START);

      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + http + "/healthz")).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      stopsBothCleanly(up);
    }
  }

  @Test
  void upPassesItsConfigFileAndEnvironmentToBothChildren(@TempDir Path dir) throws Exception {
    int grpc = SluiceBroker.freePort();
    int http = SluiceBroker.freePort();
    Path dataDir = dir.resolve("data");
    // Ports and data directory only in the file: up must read them to wait for its children.
    Path config = Files.writeString(dir.resolve("sluice.toml"), """
        [broker]
        grpc-port = %d
        data-dir = "%s"

        [gateway]
        http-port = %d
        max-body-bytes = "1KiB"
        """.formatted(grpc, dataDir, http));
    // Only in the environment, never on a child's command line: it must reach the broker.
    try (JavaProcess up = JavaProcess.start(CLI, Map.of("SLUICE_BROKER_INSECURE", "true"),
        "up", "--config", config.toString())) {
      assertThat(up.awaitLineStartingWith("Sluice is up: broker gRPC on 127.0.0.1:" + grpc
          + ", gateway HTTP on 127.0.0.1:" + http, START)).endsWith("data in " + dataDir);
      up.awaitLineStartingWith("INSECURE", WAIT);
      assertThat(dataDir.resolve("log")).isDirectory();

      // The gateway's [gateway] table reached it: a body over 1 KiB is refused.
      assertThat(GatewaySettingsSourcesTest.postTooLarge("http://127.0.0.1:" + http))
          .isEqualTo(413);

      // SLUICE_BROKER_INSECURE reached the broker: a runner without a token is served.
      try (SluiceRunner runner = SluiceRunner.builder().target("127.0.0.1:" + grpc)
          .app("up-test").runner("runner-1").build()) {
        runner.info("hello");
        assertThat(runner.flush(WAIT)).isTrue();
      }

      stopsBothCleanly(up);
    }
  }

  @Test
  void upReportsAnUnknownKeyOfItsConfigFileAndStops(@TempDir Path dir) throws Exception {
    int grpc = SluiceBroker.freePort();
    Path config = Files.writeString(dir.resolve("sluice.toml"),
        "[broker]\ngrpc-port = %d\nretention = \"30d\"\n".formatted(grpc));
    try (JavaProcess up = JavaProcess.start(CLI, Map.of(), "up", "--config", config.toString(),
        "--data-dir", dir.resolve("data").toString(), "--insecure")) {
      assertThat(up.awaitExit(START)).as(up.text()).isEqualTo(2);
      up.awaitLineStartingWith("sluice broker: " + config + ": unknown key 'retention' in "
          + "[broker] (expected: a long option of sluice broker without its dashes", WAIT);
      up.awaitLineStartingWith("sluice up: the broker exited with code 2", WAIT);
    }
  }

  /** SIGTERM to up: it stops the gateway, then the broker, each cleanly. */
  private static void stopsBothCleanly(JavaProcess up) throws InterruptedException {
    up.sigterm();
    up.awaitExit(WAIT);
    up.awaitLineStartingWith("sluice gateway: stopped cleanly", WAIT);
    up.awaitLineStartingWith("sluice broker: stopped cleanly", WAIT);
  }

}
