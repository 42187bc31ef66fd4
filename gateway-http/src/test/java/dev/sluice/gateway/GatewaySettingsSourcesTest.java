package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GatewayMain} as a process reads its settings from the command line, the environment
 * and a config file, in that order, and refuses a bad file before it starts.
 */
class GatewaySettingsSourcesTest {
  private static final Pattern LISTENING =
      Pattern.compile("HTTP listening on 127\\.0\\.0\\.1:(\\d+) \\(broker (.+)\\)$");
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @TempDir
  Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void fileEnvironmentAndCommandLineEachReachTheRunningGateway() throws Exception {
    String broker = "127.0.0.1:" + gw.broker().grpcPort();
    // The file's port is privileged and its broker is nowhere: the gateway listens and
    // reaches the broker only if the command line and the environment win.
    Path config = Files.writeString(dir.resolve("sluice.toml"), """
        [gateway]
        http-port = 1
        broker = "127.0.0.1:1"
        max-body-bytes = "1KiB"
        """);
    List<String> output = new CopyOnWriteArrayList<>();
    start(output, Map.of("SLUICE_GATEWAY_BROKER", broker), "--config", config.toString(),
        "--http-port", "0");
    Awaitility.await().atMost(WAIT).until(() -> listening(output) != null
        || started.stream().noneMatch(Process::isAlive));
    Matcher m = listening(output);
    assertThat(m).as(String.join("\n", output)).isNotNull();
    assertThat(m.group(2)).isEqualTo(broker);
    String base = "http://127.0.0.1:" + m.group(1);

    // max-body-bytes = "1KiB" from the file: a 2 KiB body is refused before it is read.
    HttpResponse<String> big = gw.send(HttpRequest.newBuilder(URI.create(base + "/v1/session"))
        .timeout(GatewayFixture.WAIT).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + "x".repeat(2048) + "\"}"))
        .build());
    assertThat(big.statusCode()).as(big.body()).isEqualTo(413);
    // The broker from the environment answers (the file's would be a 503).
    HttpResponse<String> who = gw.send(HttpRequest.newBuilder(URI.create(base + "/v1/session"))
        .timeout(GatewayFixture.WAIT)
        .header("authorization", "Bearer " + gw.token("ann", "acme", Role.MEMBER, "")).build());
    assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
    assertThat(new JsonObject(who.body()).getString("account")).isEqualTo("acme");
  }

  @Test
  void anUnknownKeyInTheFileStopsTheGatewayNamingKeyAndFile() throws Exception {
    Path config = Files.writeString(dir.resolve("sluice.toml"), "[gateway]\nport = 0\n");
    List<String> output = new CopyOnWriteArrayList<>();
    Process gateway = start(output, Map.of(), "--config", config.toString());
    assertThat(gateway.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(gateway.exitValue()).isEqualTo(2);
    Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(output)
        .as(String.join("\n", output)).anyMatch(l -> l.startsWith("sluice gateway: " + config
            + ": unknown key 'port' in [gateway]")));
  }

  private Process start(List<String> output, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    started.add(process);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
        }
      } catch (IOException e) {
        // The process ended.
      }
    }, "gateway-output");
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  private static Matcher listening(List<String> output) {
    return output.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst()
        .orElse(null);
  }
}
