package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.ChildOutput;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code sluice gateway --broker HOST:PORT}: a gateway of its own in front of a broker. */
class GatewayCommandTest {
  private static final Duration START = Duration.ofSeconds(60);

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @Test
  void runsAGatewayInFrontOfARunningBrokerUntilSigterm() throws Exception {
    int http = SluiceBroker.freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process gateway = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "gateway", "--broker",
        "127.0.0.1:" + gw.broker().grpcPort(), "--http", "127.0.0.1:" + http)
        .redirectErrorStream(true).start();
    List<String> output = ChildOutput.lines(gateway);
    try {
      Awaitility.await().atMost(START).until(() -> output.stream().anyMatch(
          l -> l.contains("HTTP listening on 127.0.0.1:" + http)) || !gateway.isAlive());
      assertThat(gateway.isAlive()).as(String.join("\n", output)).isTrue();
      HttpResponse<String> who = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + http + "/v1/session")).timeout(GatewayFixture.WAIT)
          .header("authorization", "Bearer " + gw.token("ann", "acme", Role.MEMBER, ""))
          .build());
      assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
      assertThat(new JsonObject(who.body()).getString("account")).isEqualTo("acme");

      assertThat(gateway.toHandle().destroy()).isTrue(); // SIGTERM
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Awaitility.await().atMost(GatewayFixture.WAIT).until(() ->
          output.stream().anyMatch(l -> l.contains("sluice gateway: stopped cleanly")));
    } finally {
      gateway.destroyForcibly();
    }
  }
}
