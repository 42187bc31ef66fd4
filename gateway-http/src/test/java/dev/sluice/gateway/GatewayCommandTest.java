package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import dev.sluice.testing.SluiceBroker;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice gateway --broker HOST:PORT}: a gateway of its own in front of a broker. */
class GatewayCommandTest {
  private static final String CLI = "dev.sluice.client.cli.SluiceCli";
  private static final Duration START = Duration.ofSeconds(60);

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @Test
  void runsAGatewayInFrontOfARunningBrokerUntilSigterm() throws Exception {
    int http = SluiceBroker.freePort();
    try (JavaProcess gateway = JavaProcess.start(CLI, Map.of(), "gateway", "--broker",
        "127.0.0.1:" + gw.broker().grpcPort(), "--http", "127.0.0.1:" + http)) {
      gateway.awaitLineStartingWith("sluice gateway: HTTP listening on 127.0.0.1:" + http,
          START);
      HttpResponse<String> who = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + http + "/v1/session")).timeout(GatewayFixture.WAIT)
          .header("authorization", "Bearer " + gw.token("ann", "acme", Role.MEMBER, ""))
          .build());
      assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
      assertThat(new JsonObject(who.body()).getString("account")).isEqualTo("acme");

      gateway.sigterm();
      gateway.awaitExit(Duration.ofSeconds(30));
      gateway.awaitLineStartingWith("sluice gateway: stopped cleanly", GatewayFixture.WAIT);
    }
  }

  @Test
  void leavesWhatItIsNotGivenToTheConfigFileAndPassesOtherOptionsOn(@TempDir Path dir)
      throws Exception {
    int http = SluiceBroker.freePort();
    Path config = Files.writeString(dir.resolve("sluice.toml"),
        "[gateway]\nhttp-port = %d\n".formatted(http));
    try (JavaProcess gateway = JavaProcess.start(CLI, Map.of(), "gateway", "--broker",
        "127.0.0.1:" + gw.broker().grpcPort(), "--config", config.toString(),
        "--max-body-bytes", "1KiB")) {
      gateway.awaitLineStartingWith("sluice gateway: HTTP listening on 127.0.0.1:" + http,
          START);
      assertThat(GatewaySettingsSourcesTest.postTooLarge("http://127.0.0.1:" + http))
          .isEqualTo(413);
    }
  }

}
