package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    try (JavaProcess gateway = JavaProcess.start(GatewayMain.class.getName(),
        Map.of("SLUICE_GATEWAY_BROKER", broker), "--config", config.toString(),
        "--http-port", "0")) {
      Matcher m = gateway.await(LISTENING, WAIT);
      assertThat(m.group(2)).isEqualTo(broker);
      String base = "http://127.0.0.1:" + m.group(1);

      // max-body-bytes = "1KiB" from the file: a 2 KiB body is refused before it is read.
      assertThat(postTooLarge(base)).isEqualTo(413);
      // The broker from the environment answers (the file's would be a 503).
      HttpResponse<String> who = gw.send(HttpRequest.newBuilder(URI.create(base + "/v1/session"))
          .timeout(GatewayFixture.WAIT)
          .header("authorization", "Bearer " + gw.token("ann", "acme", Role.MEMBER, ""))
          .build());
      assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
      assertThat(new JsonObject(who.body()).getString("account")).isEqualTo("acme");
    }
  }

  @Test
  void anUnknownKeyInTheFileStopsTheGatewayNamingKeyAndFile() throws Exception {
    Path config = Files.writeString(dir.resolve("sluice.toml"), "[gateway]\nport = 0\n");
    try (JavaProcess gateway = JavaProcess.start(GatewayMain.class.getName(), Map.of(),
        "--config", config.toString())) {
      assertThat(gateway.awaitExit(WAIT)).isEqualTo(2);
      gateway.awaitLineStartingWith(
          "sluice gateway: " + config + ": unknown key 'port' in [gateway]", WAIT);
    }
  }

  /** POSTs a 2 KiB body to the gateway at {@code base}; its HTTP status. */
  static int postTooLarge(String base) throws Exception {
    HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(base + "/v1/session")).timeout(GatewayFixture.WAIT)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + "x".repeat(2048)
                + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }
}
