package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    int grpc = freePort();
    int http = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process up = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "up", "--grpc", "127.0.0.1:" + grpc,
        "--http", "127.0.0.1:" + http, "--data-dir", dataDir.toString())
        .redirectErrorStream(true).start();
    List<String> output = readLines(up);
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

  @Test
  void upPassesItsConfigFileAndEnvironmentToBothChildren(@TempDir Path dir) throws Exception {
    int grpc = freePort();
    int http = freePort();
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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "up", "--config", config.toString())
        .redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    // Only in the environment, never on a child's command line: it must reach the broker.
    builder.environment().put("SLUICE_BROKER_INSECURE", "true");
    Process up = builder.start();
    List<String> output = readLines(up);
    try {
      try {
        Awaitility.await().atMost(START).until(() ->
            output.stream().anyMatch(l -> l.startsWith("Sluice is up")) || !up.isAlive());
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("no 'Sluice is up' within " + START + "; output:\n"
            + String.join("\n", output), e);
      }
      assertThat(output).as(String.join("\n", output)).anyMatch(l -> l.startsWith(
          "Sluice is up: broker gRPC on 127.0.0.1:" + grpc + ", gateway HTTP on 127.0.0.1:"
              + http) && l.endsWith("data in " + dataDir));
      assertThat(output).anyMatch(l -> l.startsWith("INSECURE"));
      assertThat(dataDir.resolve("log")).isDirectory();

      // The gateway's [gateway] table reached it: a body over 1 KiB is refused.
      HttpResponse<String> big = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + http + "/v1/session")).timeout(WAIT)
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + "x".repeat(2048) + "\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(big.statusCode()).as(big.body()).isEqualTo(413);

      // SLUICE_BROKER_INSECURE reached the broker: a runner without a token is served.
      try (SluiceRunner runner = SluiceRunner.builder().target("127.0.0.1:" + grpc)
          .app("up-test").runner("runner-1").build()) {
        runner.info("hello");
        assertThat(runner.flush(WAIT)).isTrue();
      }

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

  @Test
  void upReportsAnUnknownKeyOfItsConfigFileAndStops(@TempDir Path dir) throws Exception {
    int grpc = freePort();
    Path config = Files.writeString(dir.resolve("sluice.toml"),
        "[broker]\ngrpc-port = %d\nretention = \"30d\"\n".formatted(grpc));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process up = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "up", "--config", config.toString(), "--data-dir",
        dir.resolve("data").toString(), "--insecure").redirectErrorStream(true).start();
    List<String> output = readLines(up);
    try {
      assertThat(up.waitFor(START.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(up.exitValue()).as(String.join("\n", output)).isEqualTo(2);
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(output)
          .as(String.join("\n", output))
          .anyMatch(l -> l.startsWith("sluice broker: " + config + ": unknown key 'retention' "
              + "in [broker] (expected: a long option of sluice broker without its dashes"))
          .anyMatch(l -> l.startsWith("sluice up: the broker exited with code 2")));
    } finally {
      up.descendants().forEach(ProcessHandle::destroyForcibly);
      up.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static List<String> readLines(Process process) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // The process ended.
      }
    }, "up-output");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }
}
